/* The values of a form page, found by their printed labels: see fields.h. */
#include "docset/fields.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/distance.h"
#include "base/utf8.h"

#ifdef UCHET_HAVE_TESSERACT
#include <tesseract/capi.h>
#endif

enum kind {
    K_NAME,  /* a person's name, in the script `latin` says */
    K_DATE,  /* DD.MM.YYYY -> YYYY-MM-DD */
    K_NUM,   /* an identity document's number: Latin letters, then digits */
    K_TEXT,  /* Cyrillic text: a region, a profession */
    K_TICK,  /* the printed choice whose tick box is marked */
    K_LEVEL, /* a language certificate's level, printed as the purpose it serves */
};

#define LABELS_MAX 6

struct spec {
    const char *field;              /* the catalogue's field name */
    enum kind kind;                 /* how the value is read and checked */
    bool latin;                     /* K_NAME: printed in Latin (else Cyrillic) */
    const char *labels[LABELS_MAX]; /* a word of the label (K_TICK: the choices), upper case */
};

/* The migration card (the form of the government's decree No. 413 of
 * 16.08.2004): bilingual labels over boxes; purpose of the visit as tick
 * boxes. Names are printed in Latin letters as in the passport. */
static const struct spec MIGRATION_CARD[] = {
    {"surname", K_NAME, true, {"ФАМИЛИЯ", "SURNAME"}},
    {"given_names", K_NAME, true, {"ИМЯ", "GIVEN"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ", "BIRTH"}},
    {"passport_number", K_NUM, false, {"ДОКУМЕНТ", "DOCUMENT"}},
    {"entry_date", K_DATE, false, {"ВЪЕЗДА", "ENTRY"}},
    {"purpose", K_TICK, false, {"СЛУЖЕБНЫЙ", "ТУРИЗМ", "ДЕЛОВОЙ", "УЧЁБА", "РАБОТА", "ЧАСТНЫЙ"}},
    {NULL, 0, false, {NULL}},
};

/* The work patent (the form of МВД order No. 805): Russian labels over
 * boxes, names in Cyrillic. */
static const struct spec PATENT[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ", "SURNAME"}},
    {"given_names", K_NAME, false, {"ИМЯ", "GIVEN"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ", "BIRTH"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ,", "ЛИЧНОСТЬ"}},
    {"profession", K_TEXT, false, {"ПРОФЕССИЯ"}},
    {"region", K_TEXT, false, {"ТЕРРИТОРИЯ"}},
    {"issue_date", K_DATE, false, {"ВЫДАЧИ"}},
    {NULL, 0, false, {NULL}},
};

/* A notarised translation of the passport: Russian labels over boxes, the
 * names as the translator writes them. */
static const struct spec PASSPORT_TRANSLATION[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"doc_number", K_NUM, false, {"НОМЕР", "НОМЕР ПАСПОРТА"}},
    {"issue_date", K_DATE, false, {"ВЫДАЧИ"}},
    {NULL, 0, false, {NULL}},
};

/* The medical conclusion, the HIV certificate, the ДМС policy, the РВП,
 * the income statement, the fingerprinting card, a minor's consent, an
 * archive record and a decision on kinship: the person, the identity
 * document, the date of issue (the certificates' validity rules count
 * from it). */
static const struct spec MEDICAL[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ", "ЛИЧНОСТЬ"}},
    {"issue_date", K_DATE, false, {"ВЫДАЧИ"}},
    {NULL, 0, false, {NULL}},
};

/* A residence permit (ВНЖ): a document of identity itself, so no
 * passport row. */
static const struct spec VNZH[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"issue_date", K_DATE, false, {"ВЫДАЧИ"}},
    {NULL, 0, false, {NULL}},
};

/* A translated birth certificate: the child and the birth date. */
static const struct spec BIRTH_CERTIFICATE[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {NULL, 0, false, {NULL}},
};

/* The certificate of Russian, history and law: as MEDICAL, and its level. */
static const struct spec LANGUAGE_CERTIFICATE[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ", "ЛИЧНОСТЬ"}},
    {"level", K_LEVEL, false, {"УРОВЕНЬ"}},
    {"issue_date", K_DATE, false, {"ВЫДАЧИ"}},
    {NULL, 0, false, {NULL}},
};

/* An application's first page: the applicant. */
static const struct spec APPLICATION[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ", "ЛИЧНОСТЬ"}},
    {NULL, 0, false, {NULL}},
};

/* The employer's notice of a labour contract: the worker, the profession
 * and the region the patent's must match. */
static const struct spec EMPLOYER_NOTICE[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ", "ЛИЧНОСТЬ"}},
    {"profession", K_TEXT, false, {"ПРОФЕССИЯ"}},
    {"region", K_TEXT, false, {"РЕГИОН"}},
    {NULL, 0, false, {NULL}},
};

/* The labour contract: as the notice, and the date it was concluded (the
 * notice's three working days count from it). */
static const struct spec LABOUR_CONTRACT[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ", "ЛИЧНОСТЬ"}},
    {"profession", K_TEXT, false, {"ДОЛЖНОСТЬ"}},
    {"region", K_TEXT, false, {"РЕГИОН"}},
    {"contract_date", K_DATE, false, {"ЗАКЛЮЧЕНИЯ"}},
    {NULL, 0, false, {NULL}},
};

/* The tear-off part of the arrival notice (МВД order No. 856): filled in
 * Russian capitals, one letter a cell (see comb_region). */
static const struct spec REGISTRATION_NOTICE[] = {
    {"surname", K_NAME, false, {"ФАМИЛИЯ"}},
    {"given_names", K_NAME, false, {"ИМЯ"}},
    {"birth_date", K_DATE, false, {"РОЖДЕНИЯ"}},
    {"passport_number", K_NUM, false, {"УДОСТОВЕРЯЮЩИЙ", "ДОКУМЕНТ,", "ЛИЧНОСТЬ"}},
    {NULL, 0, false, {NULL}},
};

static const struct {
    const char *type;
    const struct spec *table;
} TABLES[] = {
    {"registration_notice", REGISTRATION_NOTICE},
    {"migration_card", MIGRATION_CARD},
    {"patent", PATENT},
    {"passport_translation", PASSPORT_TRANSLATION},
    {"medical_certificate", MEDICAL},
    {"dms_policy", MEDICAL},
    {"application", APPLICATION},
    {"hiv_certificate", MEDICAL},
    {"language_certificate", LANGUAGE_CERTIFICATE},
    {"employer_notice", EMPLOYER_NOTICE},
    {"labour_contract", LABOUR_CONTRACT},
    {"rvp", MEDICAL},
    {"income_proof", MEDICAL},
    {"fingerprint_card", MEDICAL},
    {"parental_consent", MEDICAL},
    {"archive_record", MEDICAL},
    {"kinship_document", MEDICAL},
    {"vnzh", VNZH},
    {"birth_certificate", BIRTH_CERTIFICATE},
};

static const struct spec *table_for(const char *type)
{
    for (size_t i = 0; type && i < sizeof TABLES / sizeof TABLES[0]; i++)
        if (!strcmp(type, TABLES[i].type))
            return TABLES[i].table;
    return NULL;
}

int fields_known_type(const char *type)
{
    return table_for(type) != NULL;
}

const char *fields_name(const char *type, size_t i)
{
    const struct spec *t = table_for(type);
    for (size_t k = 0; t && t[k].field; k++)
        if (k == i)
            return t[k].field;
    return NULL;
}

#ifndef UCHET_HAVE_TESSERACT
int fields_page_top(const raster_t *grey, docset_tess_t *tess, fields_page_t **ret, err_t *err)
{
    (void)grey, (void)tess, (void)err;
    *ret = NULL;
    return 0;
}

const char *fields_page_title(const fields_page_t *p)
{
    (void)p;
    return "";
}

void fields_page_free(fields_page_t *p)
{
    (void)p;
}

int fields_read(fields_page_t *page, const char *type, docset_tess_t *tess, json_t *fields, err_t *err)
{
    (void)page, (void)type, (void)tess, (void)fields, (void)err;
    return 0;
}
#else

/* ------------------------------------------------------------ words */

#define WORD_CP 40     /* letters kept of a word */
#define WORDS_MAX 1500 /* words kept of a page */
#define INK 175        /* a grey value below this is ink, the paper stretched to white */
#define RULE_INK 215   /* ... and below this, part of a box line (erase_runs) */
#define CONF_NAME 80   /* the lowest word confidence a name is taken at */
#define CONF_DATE 60   /* ... a date (which must also parse and exist) */
#define CONF_NUM 70    /* ... a document number (which must also have its shape) */
#define CONF_TEXT 60   /* ... a region or a profession */
#define CONF_AGREE 30  /* ... a date, number or name read alike at two sizes (read_agreeing) */

struct word {
    uint32_t cp[WORD_CP]; /* the letters, upper case, punctuation and digits dropped */
    int n;                /* how many */
    int x0, y0, x1, y1;   /* the box, pixels, x1/y1 exclusive */
};

struct rect {
    int x0, y0, x1, y1; /* x1/y1 exclusive; empty when x1 <= x0 or y1 <= y0 */
};

/* The code point at s[*i] (*i < len: UTF-8 text of len bytes), *i moved
 * past it; 0 at the end. Bytes that are not UTF-8 read as U+FFFD (not a
 * letter), one byte at a time. */
static uint32_t next_cp(const char *s, size_t len, size_t *i)
{
    if (*i >= len)
        return 0;
    int32_t c = utf8_next((const unsigned char *)s, len, i);
    if (c < 0)
        return ++*i, 0xFFFD;
    return (uint32_t)c;
}

static bool letter_cp(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0x410 && c <= 0x42F) || c == 0x401;
}

/* The letters of s, upper case, into cp (at most WORD_CP); their count. */
static int letters(const char *s, uint32_t *cp)
{
    int n = 0;
    size_t i = 0, len = strlen(s);
    for (uint32_t c; (c = next_cp(s, len, &i)) != 0 && n < WORD_CP;) {
        c = (uint32_t)utf8_upper((int32_t)c);
        if (letter_cp(c))
            cp[n++] = c;
    }
    return n;
}

/* How many slips the word reads as `label` with, -1 when it does not:
 * the same letters, or one slip in a word of six letters or more, two in
 * one of eight or more (at 150 dpi "РОЖДЕНИЯ" came out "СОЖЛЕНИЯ"; its
 * date was then not looked for). */
static int word_slips(const struct word *w, const char *label)
{
    uint32_t cp[WORD_CP];
    int n = letters(label, cp);
    if (n == 0 || w->n == 0)
        return -1;
    /* A word holds at most WORD_CP letters: no heap, so no failure. */
    _Static_assert(WORD_CP <= DISTANCE_STACK_MAX, "word_slips's distance must not allocate");
    size_t slips = n >= 8 ? 2 : n >= 6 ? 1 : 0, d;
    return distance_edit(w->cp, (size_t)w->n, cp, (size_t)n, slips, &d, NULL) == 0 && d <= slips ? (int)d : -1;
}

static bool word_is(const struct word *w, const char *label)
{
    return word_slips(w, label) >= 0;
}

/* Appends the words of rows [top, bottom) of g (drawn `scale` times larger
 * than the page the boxes are for) with their boxes, in the page's
 * coordinates, to w[*n..WORDS_MAX) (the "rus+eng" handle, left cleared).
 * A word is one the handle read as a word: a word without letters ("/")
 * still places the others; a blank "word" along a box line does not. */
static void page_words(TessBaseAPI *api, const raster_t *g, int top, int bottom, int scale, struct word *w, int *n)
{
    TessPageSegMode mode = TessBaseAPIGetPageSegMode(api);
    TessBaseAPISetPageSegMode(api, PSM_AUTO);
    TessBaseAPISetImage(api, g->pix + (size_t)top * g->width, (int)g->width, bottom - top, 1, (int)g->width);
    TessBaseAPISetSourceResolution(api, g->ppi ? (int)g->ppi : 300);
    TessResultIterator *it = TessBaseAPIRecognize(api, NULL) == 0 ? TessBaseAPIGetIterator(api) : NULL;
    if (it && *n < WORDS_MAX) {
        do {
            char *t = TessResultIteratorGetUTF8Text(it, RIL_WORD);
            int l, tp, r, b;
            if (t && TessPageIteratorBoundingBox(TessResultIteratorGetPageIterator(it), RIL_WORD, &l, &tp, &r, &b)) {
                struct word *o = &w[*n];
                o->n = letters(t, o->cp);
                tp += top, b += top;
                l /= scale, tp /= scale, r = (r + scale - 1) / scale, b = (b + scale - 1) / scale;
                o->x0 = l, o->y0 = tp, o->x1 = r, o->y1 = b;
                bool blank = true;
                for (const char *c = t; *c; c++)
                    blank = blank && (*c == ' ' || *c == '\n');
                *n += b > tp && r > l && !blank && (o->n > 0 || r - l < 4 * (b - tp));
            }
            TessDeleteText(t);
        } while (*n < WORDS_MAX && TessResultIteratorNext(it, RIL_WORD));
    }
    TessResultIteratorDelete(it);
    TessBaseAPISetPageSegMode(api, mode);
    TessBaseAPIClear(api);
}

/* ------------------------------------------------------------ regions */

static bool ink(const raster_t *g, int x, int y)
{
    return g->pix[(size_t)y * g->width + (size_t)x] < INK;
}

/* The longest run of ink along row y, a pixel counting when it or the one
 * below is ink (a thin line drawn a little askew stays one run). */
static int row_run(const raster_t *g, int y, int x0, int x1)
{
    int best = 0, run = 0;
    bool below = y + 1 < (int)g->height;
    for (int x = x0; x < x1; x++) {
        run = ink(g, x, y) || (below && ink(g, x, y + 1)) ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

/* The longest vertical run through column x, rows [y0, y1), of pixels
 * darker than `dark`; with `beside`, a pixel counts when it or one of its
 * neighbours in the row is: a cell's side drawn at 150 dpi is a grey pixel
 * wide, and steps from one column to the next where the page was
 * straightened, which leaves it short in either. */
static int col_run(const raster_t *g, int x, int y0, int y1, uint8_t dark, bool beside)
{
    int best = 0, run = 0, W = (int)g->width;
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = g->pix + (size_t)y * g->width;
        bool on = row[x] < dark || (beside && ((x > 0 && row[x - 1] < dark) || (x + 1 < W && row[x + 1] < dark)));
        run = on ? run + 1 : 0;
        best = run > best ? run : best;
    }
    return best;
}

/* The tight box of the ink in r (empty if none). */
static struct rect ink_box(const raster_t *g, struct rect r)
{
    struct rect b = {r.x1, r.y1, r.x0, r.y0};
    for (int y = r.y0; y < r.y1; y++)
        for (int x = r.x0; x < r.x1; x++)
            if (ink(g, x, y)) {
                b.x0 = x < b.x0 ? x : b.x0;
                b.x1 = x + 1 > b.x1 ? x + 1 : b.x1;
                b.y0 = y < b.y0 ? y : b.y0;
                b.y1 = y + 1 > b.y1 ? y + 1 : b.y1;
            }
    return b;
}

/* A band of rows `gap` rows from a text line's band: a mark that belongs
 * to its letters (a breve, a diaeresis, a descender's tail) when it is at
 * most a third of the line's height and at most a quarter of that away. */
static bool is_mark(const int mark[2], const int line[2], int gap)
{
    int h = line[1] - line[0];
    return mark[1] - mark[0] <= h / 3 && gap <= h / 4;
}

#define LINE_BANDS_MAX 64

/* The ink of the value's text line in r: the band of rows with ink that
 * holds the most of it (strokes of the label above that dip into the box
 * are a band of their own), with the bands of marks just above or below it
 * (Й's breve and Ё's dots stand clear of the letter: cut off, they were
 * read И and Е), then the tight box of the ink in those. */
static struct rect text_line(const raster_t *g, struct rect r)
{
    int band[LINE_BANDS_MAX][2], nb = 0, y0 = -1, sum = 0, best = -1, best_ink = 0;
    for (int y = r.y0; y <= r.y1 && nb < LINE_BANDS_MAX; y++) {
        int k = 0;
        for (int x = r.x0; y < r.y1 && x < r.x1; x++)
            k += ink(g, x, y);
        if (k > 0 && y0 < 0)
            y0 = y, sum = 0;
        sum += k;
        if (k == 0 && y0 >= 0) {
            band[nb][0] = y0, band[nb][1] = y;
            if (sum > best_ink)
                best = nb, best_ink = sum;
            nb++, y0 = -1;
        }
    }
    if (best < 0)
        return (struct rect){0, 0, 0, 0};
    int lo = best, hi = best;
    while (lo > 0 && is_mark(band[lo - 1], band[best], band[lo][0] - band[lo - 1][1]))
        lo--;
    while (hi + 1 < nb && is_mark(band[hi + 1], band[best], band[hi + 1][0] - band[hi][1]))
        hi++;
    return ink_box(g, (struct rect){r.x0, band[lo][0], r.x1, band[hi][1]});
}

/* A word on the label's row: its middle within the label's height, and not
 * a box several rows high (a misread line). */
static bool same_row(const struct word *a, const struct word *label)
{
    int h = label->y1 - label->y0, cy = (a->y0 + a->y1) / 2;
    return a->y1 - a->y0 < 3 * h && cy >= label->y0 && cy <= label->y1;
}

/* The region under the label word `lw`: from its label group's left edge
 * (the words of its row within a gap of it) to the next word to the right
 * on the same row, from half a label height above the label's bottom (a
 * label read with its box's top line erased may reach past that line) to
 * five label heights below it. Empty when too small. */
static struct rect under_label(const raster_t *g, const struct word *words, int n, const struct word *lw)
{
    int h = lw->y1 - lw->y0, W = (int)g->width, H = (int)g->height;
    int gx0 = lw->x0, gx1 = lw->x1, gap = 4 * h;
    for (bool grew = true; grew;) {
        grew = false;
        for (int i = 0; i < n; i++)
            if (same_row(&words[i], lw) && words[i].x1 >= gx0 - gap && words[i].x0 <= gx1 + gap &&
                (words[i].x0 < gx0 || words[i].x1 > gx1)) {
                gx0 = words[i].x0 < gx0 ? words[i].x0 : gx0;
                gx1 = words[i].x1 > gx1 ? words[i].x1 : gx1;
                grew = true;
            }
    }
    int right = W;
    for (int i = 0; i < n; i++)
        if (same_row(&words[i], lw) && words[i].x0 > gx1 + gap && words[i].x0 - h / 2 < right)
            right = words[i].x0 - h / 2;
    struct rect r = {gx0 - h > 0 ? gx0 - h : 0, lw->y1 - h / 2, right, lw->y1 + 5 * h < H ? lw->y1 + 5 * h : H};
    if (r.x1 - r.x0 < 2 * h || r.y1 - r.y0 < h)
        return (struct rect){0, 0, 0, 0};
    return r;
}

/* The first column from x (going `dir`, +1 or -1) off the box line that
 * runs through row y: a hairline drawn at 150 dpi is light grey (lighter
 * than INK in stretches, so as dark as RULE_INK is asked) spread over two
 * rows, and a page straightened to within a degree leaves it stepping a
 * row up or down now and then, which is followed. */
static int rule_end(const raster_t *g, int x, int y, int dir)
{
    int W = (int)g->width, H = (int)g->height;
    for (; x >= 0 && x < W; x += dir) {
        const uint8_t *p = g->pix + (size_t)y * g->width + (size_t)x;
        if (p[0] < RULE_INK || (y + 1 < H && p[g->width] < RULE_INK))
            continue;
        if (y > 0 && p[-(ptrdiff_t)g->width] < RULE_INK)
            y--;
        else if (y + 2 < H && p[2 * g->width] < RULE_INK)
            y++;
        else
            break;
    }
    return x;
}

/* Inside region r (h: the label's height), the band between a box's top
 * and bottom lines (runs of ink far longer than a glyph), as wide as the
 * top line; without a box, the strip at r's top. Padded; empty when too
 * thin. */
static struct rect box_band(const raster_t *g, struct rect r, int h)
{
    /* A box line is longer than any run of text; 30 % of the region's
     * width, but at most ten label heights: when the next field's label
     * was missed, the region runs to the page's edge, and 30 % of that is
     * longer than the box itself (its lines were then not seen). */
    int need = (r.x1 - r.x0) * 3 / 10 > 3 * h ? (r.x1 - r.x0) * 3 / 10 : 3 * h;
    need = need > 10 * h ? 10 * h : need;
    int top = -1, bottom = -1;
    for (int y = r.y0; y < r.y1; y++) {
        bool line = row_run(g, y, r.x0, r.x1) >= need;
        if (line && top < 0)
            top = y;
        else if (line && top >= 0 && bottom < 0 && y > top + h)
            bottom = y;
        if (bottom >= 0)
            break;
    }
    struct rect band = r;
    if (top >= 0) {
        int y = top;
        while (y < r.y1 && row_run(g, y, r.x0, r.x1) >= need)
            y++;
        band.y0 = y;
        band.y1 = bottom >= 0 ? bottom : (y + 7 * h / 2 < r.y1 ? y + 7 * h / 2 : r.y1);
        /* the box is as wide as its top line, whatever words stand above
         * it (a label's first words missed, the next field's found): follow
         * the line past the region's edges */
        band.x0 = rule_end(g, r.x0 - 1, top, -1) + 1, band.x1 = rule_end(g, r.x1, top, +1);
    } else {
        band.y1 = r.y0 + 3 * h < r.y1 ? r.y0 + 3 * h : r.y1;
    }
    int pad = h / 8 > 1 ? h / 8 : 1;
    band.y0 += pad, band.y1 -= pad;
    if (band.y1 - band.y0 < h / 2)
        return (struct rect){0, 0, 0, 0};
    return band;
}

/* The longest vertical run through column x, rows [y0, y1), of a line as
 * light as a box's: a cell's side (see col_run). */
static int side_at(const raster_t *g, int x, int y0, int y1)
{
    return col_run(g, x, y0, y1, RULE_INK, true);
}

#define COMB_SIDES_MIN 5 /* box sides that make a row of one-letter cells */
#define COMB_SIDES_MAX 96

/* A row of one-letter cells in band (a comb: at least COMB_SIDES_MIN box
 * sides, each next one within three label heights): the stretch from the
 * first cell holding ink to the last, sides and all, and the cells' pitch
 * in *ret_pitch. Empty (pitch 0) when the band is no comb, and empty with
 * the pitch set when the cells are blank or the ink runs into the band's
 * last cell with no side after it (the value may go on: not read short). */
static struct rect comb_region(const raster_t *g, struct rect band, int h, int vneed, int *ret_pitch)
{
    int side[COMB_SIDES_MAX][2], ns = 0;
    *ret_pitch = 0;
    for (int x = band.x0; x < band.x1 && ns < COMB_SIDES_MAX;) {
        if (side_at(g, x, band.y0, band.y1) < vneed) {
            x++;
            continue;
        }
        side[ns][0] = x;
        while (x < band.x1 && side_at(g, x, band.y0, band.y1) >= vneed)
            x++;
        side[ns++][1] = x;
    }
    if (ns < COMB_SIDES_MIN)
        return (struct rect){0, 0, 0, 0};
    for (int i = 1; i < ns; i++)
        if (side[i][0] - side[i - 1][1] > 3 * h)
            return (struct rect){0, 0, 0, 0};
    *ret_pitch = (side[ns - 1][0] - side[0][0]) / (ns - 1);
    int first = -1, last = -1;
    for (int i = 0; i + 1 < ns; i++) {
        struct rect cell = ink_box(g, (struct rect){side[i][1] + 1, band.y0, side[i + 1][0] - 1, band.y1});
        if (cell.x1 - cell.x0 >= 1 && cell.y1 - cell.y0 >= h / 3)
            last = i, first = first < 0 ? i : first;
    }
    struct rect tail = ink_box(g, (struct rect){side[ns - 1][1] + 1, band.y0, band.x1, band.y1});
    if (first < 0 || (tail.x1 > tail.x0 && tail.y1 - tail.y0 >= h / 3))
        return (struct rect){0, 0, 0, 0};
    return (struct rect){side[first][1], band.y0, side[last + 1][0], band.y1};
}

/* Where the value of the label word `lw` is: under the label, inside the
 * box lines when there is a box; in a row of one-letter cells, the cells
 * that hold ink (*ret_pitch: their pitch, see comb_region); else in the
 * first stretch between the box's sides (columns inked over nearly all the
 * band) that holds ink (*ret_pitch 0). Empty when blank. */
static struct rect value_region(
    const raster_t *g, const struct word *words, int n, const struct word *lw, int *ret_pitch)
{
    int h = lw->y1 - lw->y0, pad = h / 8 > 1 ? h / 8 : 1;
    *ret_pitch = 0;
    struct rect r = under_label(g, words, n, lw);
    if (r.x1 == r.x0)
        return r;
    struct rect band = box_band(g, r, h);
    if (band.y1 == band.y0)
        return band;
    int vneed = (band.y1 - band.y0) * 9 / 10; /* a tall glyph at 150 dpi reaches three quarters */
    struct rect comb = comb_region(g, band, h, vneed, ret_pitch);
    if (*ret_pitch > 0)
        return comb;
    int x = band.x0;
    while (x < band.x1) {
        while (x < band.x1 && col_run(g, x, band.y0, band.y1, INK, false) >= vneed)
            x++;
        int s = x;
        while (x < band.x1 && col_run(g, x, band.y0, band.y1, INK, false) < vneed)
            x++;
        struct rect seg = {s + pad, band.y0, x - pad, band.y1};
        if (s >= lw->x1)
            break; /* a box under a label starts before the label ends: this one is the next field's */
        if (seg.x1 - seg.x0 < h / 2)
            continue;
        struct rect b = text_line(g, seg);
        if (b.x1 - b.x0 >= 2 && b.y1 - b.y0 >= h / 3)
            /* ink up to the region's edge with no box side there: the
             * value may go on beyond it, so it is not read cut short */
            return (x >= band.x1 && b.x1 >= seg.x1 - 1) || (s == band.x0 && b.x0 <= seg.x0) ? (struct rect){0, 0, 0, 0}
                                                                                            : b;
    }
    return (struct rect){0, 0, 0, 0};
}

/* ------------------------------------------------------------ reading */

/* The region r of g, with a white margin, scaled s times (bilinear).
 * NULL on ENOMEM. */
static raster_t *cut_at(const raster_t *g, struct rect r, double s)
{
    int w = (int)((r.x1 - r.x0) * s + 0.5), h = (int)((r.y1 - r.y0) * s + 0.5);
    int m = 10, W = w + 2 * m, H = h + 2 * m;
    raster_t *o = NULL;
    if (raster_new((uint32_t)W, (uint32_t)H, 1, 255, &o) < 0)
        return NULL;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double fx = (x + 0.5) / s - 0.5 + r.x0, fy = (y + 0.5) / s - 0.5 + r.y0;
            int ix = (int)fx, iy = (int)fy;
            double ax = fx - ix, ay = fy - iy;
            int ix1 = ix + 1 < (int)g->width ? ix + 1 : ix, iy1 = iy + 1 < (int)g->height ? iy + 1 : iy;
            const uint8_t *p = g->pix;
            size_t gw = g->width;
            double v = (1 - ax) * (1 - ay) * p[(size_t)iy * gw + (size_t)ix] +
                       ax * (1 - ay) * p[(size_t)iy * gw + (size_t)ix1] +
                       (1 - ax) * ay * p[(size_t)iy1 * gw + (size_t)ix] + ax * ay * p[(size_t)iy1 * gw + (size_t)ix1];
            o->pix[(size_t)(y + m) * (size_t)W + (size_t)(x + m)] = (uint8_t)(v + 0.5);
        }
    o->ppi = (uint32_t)((g->ppi ? g->ppi : 300) * s + 0.5);
    return o;
}

/* The region r of g scaled so that its height is about 40 pixels when it
 * is lower; the scale into *ret_scale. NULL on ENOMEM. */
static raster_t *cut(const raster_t *g, struct rect r, int *ret_scale)
{
    int h = r.y1 - r.y0, s = h < 30 ? (40 + h - 1) / h : 1;
    s = s > 4 ? 4 : s;
    *ret_scale = s;
    return cut_at(g, r, s);
}

/* Reads the crop as one line with the whitelist; the text (trimmed, runs of
 * spaces as one) into out and the lowest word confidence into *ret_conf.
 * The handle is left cleared. -ENOMEM, else 0 (empty text: conf 0). */
static int read_line(TessBaseAPI *api, const raster_t *c, const char *whitelist, char *out, size_t cap, int *ret_conf)
{
    out[0] = '\0';
    *ret_conf = 0;
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_LINE);
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", whitelist);
    TessBaseAPISetImage(api, c->pix, (int)c->width, (int)c->height, 1, (int)c->width);
    TessBaseAPISetSourceResolution(api, (int)c->ppi);
    char *t = TessBaseAPIGetUTF8Text(api);
    if (t) {
        size_t n = 0;
        bool space = false;
        for (const char *p = t; *p && n + 1 < cap; p++) {
            if (*p == ' ' || *p == '\n' || *p == '\t') {
                space = n > 0;
                continue;
            }
            if (space && n + 2 < cap)
                out[n++] = ' ';
            space = false;
            out[n++] = *p;
        }
        out[n] = '\0';
        int *confs = TessBaseAPIAllWordConfidences(api);
        int low = n ? 100 : 0;
        for (int i = 0; confs && confs[i] >= 0; i++)
            low = confs[i] < low ? confs[i] : low;
        *ret_conf = confs && confs[0] >= 0 ? low : 0;
        TessDeleteIntArray(confs);
        TessDeleteText(t);
    }
    TessBaseAPISetVariable(api, "tessedit_char_whitelist", "");
    TessBaseAPIClear(api);
    return t ? 0 : -ENOMEM;
}

static const char LATIN_NAME[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ'‘’- ";
#define RUSSIAN_CAPITALS "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"
#define TAJIK_CAPITALS "ҒҚҲҶӢӮ"     /* the Tajik (and Uzbek) letters Debian's "rus" model lacks */
#define KAZAKH_CAPITALS "ӘӨҮҰҢҚҒІҺ" /* the Kazakh (and Kyrgyz) ones */
static const char CYRILLIC_NAME[] = RUSSIAN_CAPITALS "- ";
static const char TAJIK_NAME[] = RUSSIAN_CAPITALS TAJIK_CAPITALS "- ";
static const char KAZAKH_NAME[] = RUSSIAN_CAPITALS KAZAKH_CAPITALS "- ";
static const char DATE_CHARS[] = "0123456789.";
static const char NUM_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char TEXT_CHARS[] = RUSSIAN_CAPITALS "абвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789.,-() ";

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* DD.MM.YYYY (the dots may be lost) that exists in the calendar, as ISO. */
static bool parse_date(const char *s, char *out, size_t cap)
{
    char d[8];
    int n = 0;
    size_t len = strlen(s);
    if (len == 10 && (s[2] != '.' || s[5] != '.'))
        return false;
    for (const char *p = s; *p; p++) {
        if (is_digit(*p) && n < 8)
            d[n++] = *p;
        else if (*p != '.' || n >= 8)
            return false;
    }
    if (n != 8 || (len != 10 && len != 8))
        return false;
    int day = (d[0] - '0') * 10 + d[1] - '0', mon = (d[2] - '0') * 10 + d[3] - '0';
    int year = (d[4] - '0') * 1000 + (d[5] - '0') * 100 + (d[6] - '0') * 10 + d[7] - '0';
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1900 || year > 2100 || mon < 1 || mon > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[mon - 1] + (mon == 2 && leap))
        return false;
    snprintf(out, cap, "%04d-%02d-%02d", year, mon, day);
    return true;
}

/* Up to two Latin letters, then 6 to 10 digits (spaces dropped): the
 * passports of the region's applicants (FA1234567, N12345678, 400123456).
 * An O where only a digit may stand (after two letters, or among the
 * digits) is the digit 0: at 150 dpi AC0118868 was read ACO118868 on two
 * forms of one set, and the engine compares numbers with O as 0 anyway
 * (rules/docset). An O that could still be a series letter stays one. */
static bool parse_number(const char *s, char *out, size_t cap)
{
    size_t n = 0, letters_n = 0, digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ')
            continue;
        bool digit = is_digit(*p) || (*p == 'O' && (letters_n == 2 || digits > 0));
        if (*p >= 'A' && *p <= 'Z' && digits == 0 && !digit)
            letters_n++;
        else if (digit)
            digits++;
        else
            return false;
        if (n + 1 >= cap)
            return false;
        out[n++] = *p == 'O' && digit ? '0' : *p;
    }
    out[n] = '\0';
    return letters_n <= 2 && digits >= 6 && digits <= 10;
}

/* At least two letters in the text (not only dashes and apostrophes). */
static bool has_letters(const char *s)
{
    uint32_t cp[WORD_CP];
    return letters(s, cp) >= 2;
}

/* The words a language certificate states its level with (the purpose
 * the level serves, Education ministry order No. 21) and the catalogue's
 * level each names. */
static const struct {
    const char *word, *level;
} LEVEL_WORDS[] = {
    {"РАБОТУ", "patent"},
    {"ПАТЕНТА", "patent"},
    {"ВРЕМЕННОЕ", "rvp"},
    {"ПРОЖИВАНИЕ", "rvp"},
    {"ЖИТЕЛЬСТВО", "vnzh"},
};

/* The level word w names (matched against LEVEL_WORDS, one slip allowed in
 * a word of six letters or more), if any, into *found; *two set when it is
 * not the level found before. */
static void note_level(const struct word *w, const char **found, bool *two)
{
    for (size_t i = 0; i < sizeof LEVEL_WORDS / sizeof LEVEL_WORDS[0]; i++)
        if (word_is(w, LEVEL_WORDS[i].word)) {
            *two = *two || (*found && strcmp(*found, LEVEL_WORDS[i].level) != 0);
            *found = LEVEL_WORDS[i].level;
        }
}

/* The level the text's words name; NULL when no level or more than one
 * is named. */
static const char *parse_level(const char *s)
{
    const char *found = NULL;
    bool two = false;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        struct word w = {.n = 0};
        w.n = letters(tok, w.cp);
        note_level(&w, &found, &two);
    }
    return two ? NULL : found;
}

/* A comb's cells (region r of g, cells `pitch` apart) as a line of
 * print: the cells' sides dropped (a line over nine tenths of r, side_at),
 * the gap between two letters closed to a quarter of the glyph height and
 * a gap wider than a cell (a blank cell: a space) to one glyph height, so
 * the recogniser sees words, not letters a cell apart. Into *ret (caller
 * frees); -ENOMEM. */
static int uncomb(const raster_t *g, struct rect r, int pitch, raster_t **ret)
{
    int W = r.x1 - r.x0, H = r.y1 - r.y0, side_run = H * 9 / 10, top = H, bottom = 0;
    /* per column: 1 when it holds a letter's ink (a side's is not) */
    unsigned char *inked = calloc((size_t)(W > 0 ? W : 1), 1);
    int *keep = malloc((size_t)(W > 0 ? W : 1) * sizeof *keep), nk = 0, blank = 0;
    if (!inked || !keep) {
        free(inked), free(keep);
        return -ENOMEM;
    }
    for (int x = r.x0; x < r.x1; x++) {
        if (side_at(g, x, r.y0, r.y1) >= side_run)
            continue;
        for (int y = r.y0; y < r.y1; y++)
            if (ink(g, x, y)) {
                inked[x - r.x0] = 1;
                top = y - r.y0 < top ? y - r.y0 : top;
                bottom = y - r.y0 + 1 > bottom ? y - r.y0 + 1 : bottom;
            }
    }
    int gh = bottom - top > 4 ? bottom - top : 4, letter_gap = gh / 4 > 1 ? gh / 4 : 1, word_gap = gh;
    for (int x = 0; x < W && nk + word_gap + 1 < W; x++) {
        if (!inked[x]) {
            blank++;
            continue;
        }
        /* -1: a column of paper */
        for (int k = nk == 0 || blank == 0 ? 0 : blank > pitch ? word_gap : letter_gap; k > 0; k--)
            keep[nk++] = -1;
        keep[nk++] = r.x0 + x, blank = 0;
    }
    free(inked);
    raster_t *o = NULL;
    if (raster_new((uint32_t)(nk > 0 ? nk : 1), (uint32_t)H, 1, 255, &o) < 0) {
        free(keep);
        return -ENOMEM;
    }
    for (int y = 0; y < H; y++)
        for (int k = 0; k < nk; k++)
            if (keep[k] >= 0)
                o->pix[(size_t)y * o->width + (size_t)k] = g->pix[(size_t)(r.y0 + y) * g->width + (size_t)keep[k]];
    o->ppi = g->ppi;
    free(keep);
    *ret = o;
    return 0;
}

/* The lowest word confidence a value of this kind is taken at from one
 * reading. */
static int conf_needed(enum kind k)
{
    return k == K_NAME ? CONF_NAME : k == K_NUM ? CONF_NUM : k == K_DATE ? CONF_DATE : CONF_TEXT;
}

/* Whether code point cp is one of the letters of the UTF-8 string set
 * (UTF-8 never matches inside another character's bytes). */
static bool one_of(int32_t cp, const char *set)
{
    char enc[5] = "";
    enc[utf8_put(enc, cp)] = '\0';
    return enc[0] && strstr(set, enc);
}

/* Whether `native` is `rus` with some of the letters the Russian model
 * lacks (`letters`) in place of what it read there (Ғ for Г, Е or Р; Ҷ for
 * Ч; Ө for О or a stray sign), letter for letter and nothing else changed. */
static bool only_native_letters(const char *rus, const char *native, const char *letters)
{
    size_t i = 0, j = 0, nr = strlen(rus), nt = strlen(native);
    int changed = 0;
    while (i < nr && j < nt) {
        int32_t a = utf8_next((const unsigned char *)rus, nr, &i), b = utf8_next((const unsigned char *)native, nt, &j);
        if (a < 0 || b < 0)
            return false;
        if (a == b)
            continue;
        if (!one_of(b, letters))
            return false;
        changed++;
    }
    return i == nr && j == nt && changed > 0;
}

/* The readings a Cyrillic name is given beside "rus"'s: models with the
 * letters "rus" lacks, and those letters. "tgk+rus" has the Tajik and
 * Uzbek ones: "rus" read Ғулом as ЕУЛОМ or РУЛОМ, Ҷамшед as ЧАМШЕД, and
 * the set was referred for a name one letter off. "kaz+rus" has the
 * Kazakh and Kyrgyz ones: "rus" read Төлеген as Т@ЛЕГЕН, Нұрлан as
 * НУРЛАН. */
static const struct {
    enum docset_tess_model model;
    const char *whitelist, *letters;
} NATIVE[] = {
    {DOCSET_TESS_TAJIK, TAJIK_NAME, TAJIK_CAPITALS},
    {DOCSET_TESS_KAZAKH, KAZAKH_NAME, KAZAKH_CAPITALS},
};

/* A Cyrillic name read by "rus" (text, *conf) read again by each NATIVE
 * model in turn, the first reading that differs from "rus"'s by that
 * model's letters alone taken: the Tajik model lacks Ы, and read Бакыт as
 * БАКЬТ. -ENOMEM, else 0. */
static int with_native_letters(docset_tess_t *tess, const raster_t *c, char *text, size_t cap, int *conf)
{
    for (size_t k = 0; text[0] && k < sizeof NATIVE / sizeof NATIVE[0]; k++) {
        TessBaseAPI *api = docset_tess_get(tess, NATIVE[k].model);
        char other[256];
        int conf2 = 0;
        if (!api)
            continue;
        if (read_line(api, c, NATIVE[k].whitelist, other, sizeof other, &conf2) < 0)
            return -ENOMEM;
        if (only_native_letters(text, other, NATIVE[k].letters) && snprintf(text, cap, "%s", other) < (int)cap) {
            *conf = conf2;
            break;
        }
    }
    return 0;
}

/* One reading of the crop c as field f: the value, when the text has the
 * field's shape, into val (cap bytes) and the lowest word confidence into
 * *conf. 1 when a value of that shape was read (at whatever confidence), 0
 * when not, -ENOMEM. */
static int read_as(docset_tess_t *tess, const raster_t *c, const struct spec *f, char *val, size_t cap, int *conf)
{
    char text[256] = "";
    int rc = 0;
    bool shaped = false;
    TessBaseAPI *rus = docset_tess_get(tess, DOCSET_TESS_RUS), *eng = docset_tess_get(tess, DOCSET_TESS_ENG), *api;
    *conf = 0;
    switch (f->kind) {
        case K_DATE:
            if (eng && (rc = read_line(eng, c, DATE_CHARS, text, sizeof text, conf)) == 0)
                shaped = parse_date(text, val, cap);
            break;
        case K_NUM:
            if (eng && (rc = read_line(eng, c, NUM_CHARS, text, sizeof text, conf)) == 0)
                shaped = parse_number(text, val, cap);
            break;
        case K_TEXT:
            if (rus && (rc = read_line(rus, c, TEXT_CHARS, text, sizeof text, conf)) == 0 && has_letters(text))
                shaped = snprintf(val, cap, "%s", text) < (int)cap;
            break;
        case K_NAME:
            /* In the form's own script only: read in the other, a Cyrillic
             * name with a letter the Russian model lacks came out as a
             * confident Latin word (Ғулом as FYNOM), and the set was
             * returned for a name that was never printed. */
            api = f->latin ? eng : rus;
            if (api && (rc = read_line(api, c, f->latin ? LATIN_NAME : CYRILLIC_NAME, text, sizeof text, conf)) == 0 &&
                !f->latin)
                rc = with_native_letters(tess, c, text, sizeof text, conf);
            if (rc == 0 && has_letters(text))
                shaped = snprintf(val, cap, "%s", text) < (int)cap;
            break;
        case K_LEVEL:
            if (rus && (rc = read_line(rus, c, TEXT_CHARS, text, sizeof text, conf)) == 0) {
                const char *lv = parse_level(text);
                shaped = lv != NULL && snprintf(val, cap, "%s", lv) < (int)cap;
            }
            break;
        case K_TICK: break;
    }
    return rc < 0 ? rc : shaped;
}

/* Whether two readings of a document number are the same number, an O in
 * one against a 0 in the other counted as one (as the engine compares
 * numbers, rules/docset). When they are, val takes the 0 where they so
 * differ: a series letter O is the one reading an O alone cannot tell
 * from the digit (NO1208372 may be two letters and seven digits), and the
 * other reading saw the digit there (N01208372, a Kazakh number, read so
 * at 150 dpi at confidence 58 and 54). */
static bool numbers_agree(char *val, const char *again)
{
    size_t n = strlen(val);
    if (strlen(again) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (val[i] != again[i] && !(strchr("O0", val[i]) && strchr("O0", again[i])))
            return false;
    for (size_t i = 0; i < n; i++)
        val[i] = val[i] != again[i] ? '0' : val[i];
    return true;
}

/* A date, a document number or a name read with its shape but below the
 * confidence one reading needs is read again from the region drawn at
 * three quarters of the first reading's size (still above the recogniser's
 * smallest comfortable height: larger, a clean date lost a digit), and
 * taken when the two readings give the same value, each at CONF_AGREE or
 * above: at 150 dpi tesseract read "28.11.1987" right at 54 and a surname
 * right at 35. A misread glyph then has to come out as the same wrong
 * glyph at two sizes. A first reading under CONF_AGREE is taken only when
 * the second alone clears the bar one reading needs: at 300 dpi (600 ppi
 * as cut) tesseract read a clean AC1830267 right at 14, and at three
 * quarters right at 88. Free text and levels are not: their readings are
 * long, and a region or profession read wrong returns a set. Numbers
 * agree as numbers_agree has it (val then updated). 1 agreed, 0 not,
 * -ENOMEM. */
static int read_agreeing(
    docset_tess_t *tess, const raster_t *g, struct rect r, int scale, const struct spec *f, char *val, int conf)
{
    if (f->kind != K_DATE && f->kind != K_NUM && f->kind != K_NAME)
        return 0;
    int conf2_needed = conf < CONF_AGREE ? conf_needed(f->kind) : CONF_AGREE;
    double s2 = scale * 0.75;
    raster_t *c = cut_at(g, r, s2);
    if (!c)
        return -ENOMEM;
    char again[256];
    int conf2 = 0, rc = read_as(tess, c, f, again, sizeof again, &conf2);
    raster_free(c);
    if (rc != 1 || conf2 < conf2_needed)
        return rc < 0 ? rc : 0;
    return f->kind == K_NUM ? numbers_agree(val, again) : !strcmp(val, again);
}

/* The value of one field from its region (a comb's when pitch > 0): into
 * *ret a new JSON string, or JSON null when unreadable. -ENOMEM. */
static int read_value(
    docset_tess_t *tess, const raster_t *g, struct rect r, int pitch, const struct spec *f, json_t **ret)
{
    int scale = 1;
    raster_t *line = NULL;
    if (pitch > 0) {
        if (uncomb(g, r, pitch, &line) < 0)
            return -ENOMEM;
        g = line;
        r = text_line(g, (struct rect){0, 0, (int)g->width, (int)g->height});
    }
    raster_t *c = r.x1 > r.x0 ? cut(g, r, &scale) : NULL;
    if (!c) {
        raster_free(line);
        return r.x1 > r.x0 ? -ENOMEM : ((*ret = json_null()) ? 0 : -ENOMEM);
    }
    char val[256];
    int conf = 0, rc = read_as(tess, c, f, val, sizeof val, &conf);
    raster_free(c);
    bool ok = rc == 1 && conf >= conf_needed(f->kind);
    if (rc == 1 && !ok) {
        rc = read_agreeing(tess, g, r, scale, f, val, conf);
        ok = rc == 1;
    }
    raster_free(line);
    if (rc < 0)
        return rc;
    *ret = ok ? json_string(val) : json_null();
    return *ret ? 0 : -ENOMEM;
}

enum tick { TICK_NONE, TICK_MARKED, TICK_UNSURE };

/* The length of the vertical run of ink through (x, cy) within rows
 * [lo, hi) (clipped to the page), its ends in *top and *bot; 0 when
 * (x, cy) is paper or off the page. */
static int column_through(const raster_t *g, int x, int cy, int lo, int hi, int *top, int *bot)
{
    lo = lo > 0 ? lo : 0;
    hi = hi < (int)g->height ? hi : (int)g->height;
    if (x < 0 || x >= (int)g->width || cy < lo || cy >= hi || !ink(g, x, cy))
        return 0;
    *top = cy, *bot = cy;
    while (*top > lo && ink(g, x, *top - 1))
        --*top;
    while (*bot + 1 < hi && ink(g, x, *bot + 1))
        ++*bot;
    return *bot - *top + 1;
}

/* The tick box at the left end of the word w, when the recogniser took the
 * box in as the word's first letter (a square's left side at the word's
 * left edge and its right side one side further). Empty when there is
 * none. */
static struct rect box_inside_word(const raster_t *g, const struct word *w)
{
    int cy = (w->y0 + w->y1) / 2, wh = w->y1 - w->y0, top = 0, bot = 0;
    for (int x = w->x0; x <= w->x0 + 2 && x < w->x1; x++) {
        int side = column_through(g, x, cy, w->y0 - 2, w->y1 + 2, &top, &bot);
        if (side < wh * 2 / 3 || x + side > w->x1)
            continue;
        int t2, b2;
        for (int rx = x + side - 3; rx <= x + side + 1; rx++)
            if (rx > x + side / 2 && column_through(g, rx, cy, top - 2, bot + 3, &t2, &b2) >= side * 4 / 5)
                return (struct rect){x, top, rx + 1, bot + 1};
    }
    return (struct rect){0, 0, 0, 0};
}

/* The square left of the choice word w: its right side is the first ink
 * left of the word on the word's middle row; its height gives the square.
 * Empty when no plausible square is there. */
static struct rect box_left_of_word(const raster_t *g, const struct word *w)
{
    int h = w->y1 - w->y0, cy = (w->y0 + w->y1) / 2;
    struct rect r = {w->x0 - 3 * h > 0 ? w->x0 - 3 * h : 0, cy - 3 * h / 2 > 0 ? cy - 3 * h / 2 : 0, w->x0 - h / 8,
        cy + 3 * h / 2 < (int)g->height ? cy + 3 * h / 2 : (int)g->height};
    if (r.x1 <= r.x0 || r.y1 <= r.y0)
        return (struct rect){0, 0, 0, 0};
    int x = w->x0 - 1;
    while (x > r.x0 && !ink(g, x, cy))
        x--;
    int top = cy, bot = cy;
    int side = column_through(g, x, cy, r.y0, r.y1, &top, &bot);
    if (x <= r.x0 || side < h / 2 || side > 3 * h || x - side + 1 < 0)
        return (struct rect){0, 0, 0, 0};
    return (struct rect){x - side + 1, top, x + 1, bot + 1};
}

/* Whether the tick box of the choice word w holds a mark: the square left
 * of the word or, when the recogniser read the square as part of the word,
 * at its left end. */
static enum tick tick_at(const raster_t *g, const struct word *w)
{
    struct rect b = box_left_of_word(g, w);
    if (b.x1 <= b.x0)
        b = box_inside_word(g, w);
    if (b.x1 <= b.x0)
        return TICK_UNSURE;
    int side = b.y1 - b.y0;
    struct rect in = {b.x0 + side / 4, b.y0 + side / 4, b.x1 - side / 4, b.y1 - side / 4};
    int dark = 0, all = 0;
    for (int y = in.y0; y < in.y1; y++)
        for (int xx = in.x0; xx < in.x1; xx++)
            dark += ink(g, xx, y), all++;
    double frac = all ? (double)dark / all : 0;
    return frac >= 0.06 ? TICK_MARKED : frac > 0.01 ? TICK_UNSURE : TICK_NONE;
}

/* A choice's printed words in lower case, as the catalogue lists it, as a
 * new JSON string (NULL: out of memory). */
static json_t *choice_value(const char *label)
{
    char low[64];
    size_t o = 0, i = 0, len = strlen(label);
    for (uint32_t c; (c = next_cp(label, len, &i)) != 0 && o + 4 < sizeof low;)
        o += utf8_put(low + o, utf8_lower((int32_t)c));
    low[o] = '\0';
    return json_string(low);
}

/* The choice whose tick box (the square just left of its word) holds a
 * mark: into *ret a new JSON string (the choice, lower case), null when no
 * box or more than one is marked or a mark is unsure; NULL *ret when no
 * choice is printed on the page. -ENOMEM. */
static int read_tick(const raster_t *g, const struct word *words, int n, const struct spec *f, json_t **ret)
{
    int found = 0, marked = 0, unsure = 0, which = -1;
    for (int k = 0; k < LABELS_MAX && f->labels[k]; k++) {
        const struct word *w = NULL;
        for (int i = 0; i < n && !w; i++)
            if (word_is(&words[i], f->labels[k]))
                w = &words[i];
        if (!w)
            continue;
        found++;
        enum tick t = tick_at(g, w);
        if (t == TICK_MARKED)
            marked++, which = k;
        else if (t == TICK_UNSURE)
            unsure++;
    }
    *ret = NULL;
    if (!found)
        return 0;
    *ret = marked == 1 && !unsure ? choice_value(f->labels[which]) : json_null();
    return *ret ? 0 : -ENOMEM;
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* The median height of the words with letters (0 when there are none). */
/* The height under which `part_of_4` quarters of the words with letters
 * stand (2: the median); 0 when there are none. */
static int height_at(const struct word *words, int n, int part_of_4)
{
    int h[WORDS_MAX], k = 0;
    for (int i = 0; i < n && k < WORDS_MAX; i++)
        if (words[i].n > 0)
            h[k++] = words[i].y1 - words[i].y0;
    if (k == 0)
        return 0;
    qsort(h, (size_t)k, sizeof h[0], cmp_int);
    return h[k * part_of_4 / 4];
}

static int median_height(const struct word *words, int n)
{
    return height_at(words, n, 2);
}

/* The tallest a label word may be among these words: 1.5 times their
 * median height (0: no limit, no words with letters). At 150 dpi the
 * recogniser may read a label together with the box line its descenders
 * touch as one word three times a glyph's height; placed by that box, the
 * value's region takes in the neighbouring field's box, and both are lost
 * to the overlap. Such a label is left to the page read again enlarged,
 * its box lines erased. */
static int label_max_height(const struct word *words, int n)
{
    return 3 * median_height(words, n) / 2;
}

/* The slips the word ends in `label` with (-1 when it does not), a label
 * of six letters or more after two letters or more: the recogniser lost the space
 * before the label's last word. At 150 dpi "Дата выдачи", its descenders
 * on its box's top line, came out as one word ШААВЫЛАЧИ, and the date of
 * issue was not looked for. */
static int word_end_slips(const struct word *w, const char *label)
{
    uint32_t cp[WORD_CP];
    int n = letters(label, cp);
    if (n < 6 || w->n < n + 2)
        return -1;
    struct word tail = *w;
    tail.n = n;
    memcpy(tail.cp, w->cp + (w->n - n), (size_t)n * sizeof tail.cp[0]);
    return word_slips(&tail, label);
}

/* How far words[i] is from reading as `label`, -1 when it does not: twice
 * its slips, and one more when the label is only the end of the word
 * (word_end_slips). A label of two words ("НОМЕР
 * ПАСПОРТА") is read by words[i] and the next word on its row together,
 * their letters joined, so the slips allowed are those of the longer
 * whole: a short label word read with one slip is still found beside its
 * neighbour, and neither word alone places the field (the second alone
 * would, with its slip, also be the page's title ПАСПОРТ). */
static int label_distance(const struct word *words, int n, int i, const char *label)
{
    if (!strchr(label, ' ')) {
        int whole = word_slips(&words[i], label), end = word_end_slips(&words[i], label);
        int d = whole >= 0 ? 2 * whole : -1;
        if (end >= 0 && (d < 0 || 2 * end + 1 < d))
            d = 2 * end + 1;
        return d;
    }
    if (i + 1 >= n || !same_row(&words[i + 1], &words[i]))
        return -1;
    struct word joined = words[i];
    for (int k = 0; k < words[i + 1].n && joined.n < WORD_CP; k++)
        joined.cp[joined.n++] = words[i + 1].cp[k];
    int d = word_slips(&joined, label);
    return d >= 0 ? 2 * d : -1;
}

/* How many of f's labels other than its k-th a word on w's row reads as:
 * a label of several words is checked as printed, all on one row. */
static int row_support(const struct spec *f, int k, const struct word *words, int n, const struct word *w)
{
    int found = 0;
    for (int o = 0; o < LABELS_MAX && f->labels[o]; o++) {
        if (o == k)
            continue; /* the label w itself reads */
        bool seen = false;
        for (int j = 0; j < n && !seen; j++)
            seen = &words[j] != w && same_row(&words[j], w) && label_distance(words, n, j, f->labels[o]) >= 0;
        found += seen;
    }
    return found;
}

/* The word that places field f: of the words reading as one of its first
 * `labels` labels, no taller than `tall` (label_max_height of the same
 * words), the one whose row holds most of the field's other labels, then
 * the earliest label in f's list, then the nearest reading (fewest slips;
 * the first in reading order of equals). A nearer one later wins: on a
 * fingerprinting card "…о прохождении…" over the person block ends in
 * ХОЖДЕНИИ, two slips from РОЖДЕНИЯ, and took the birth date's place from
 * the label itself. The row decides between rows: the same card's
 * subtitle starts "документ о прохождении", and when its small label's
 * УДОСТОВЕРЯЮЩИЙ is misread, the passport number's ДОКУМЕНТ is the row
 * that also reads ЛИЧНОСТЬ, not the subtitle above. */
static const struct word *label_word_of(const struct spec *f, int labels, const struct word *words, int n, int tall)
{
    const struct word *best = NULL;
    int best_s = -1, best_k = INT_MAX, best_d = INT_MAX;
    for (int k = 0; k < labels && k < LABELS_MAX && f->labels[k]; k++)
        for (int i = 0; i < n; i++) {
            int d = label_distance(words, n, i, f->labels[k]);
            if (d < 0 || (tall != 0 && words[i].y1 - words[i].y0 > tall))
                continue;
            int sup = labels > 1 ? row_support(f, k, words, n, &words[i]) : 0;
            if (sup > best_s || (sup == best_s && (k < best_k || (k == best_k && d < best_d))))
                best = &words[i], best_s = sup, best_k = k, best_d = d;
        }
    return best;
}

static const struct word *label_word(const struct spec *f, const struct word *words, int n, int tall)
{
    return label_word_of(f, LABELS_MAX, words, n, tall);
}

static int table_size(const struct spec *t)
{
    int n = 0;
    while (t[n].field)
        n++;
    return n;
}

/* How many of table t's fields their first label word places: a field
 * only a later word of its list places counts as not found, since that
 * word may stand elsewhere on the page (a heading's "документ"), and the
 * enlarged page may read the first. */
static int labels_found(const struct spec *t, const struct word *words, int n)
{
    int k = 0, tall = label_max_height(words, n);
    for (; t->field; t++)
        k += label_word_of(t, 1, words, n, tall) != NULL;
    return k;
}

static bool overlap(struct rect a, struct rect b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

enum along { ALONG_ROWS, ALONG_COLUMNS };

/* Whitens every run of ink longer than `len` pixels in g along rows (the
 * form's box lines) or columns (the sides of boxes and of a comb's cells).
 * Along rows: at 150 dpi a label printed just above its box touches the
 * box's top line with its descenders, and the recogniser then reads "Дата
 * рождения / Date of birth" as a stray "I" or not at all. Along columns:
 * the recogniser takes a cell's sides for letters, and they break its
 * words ("Дата рождения" over a comb came out "АТА POX ИЯ"). No run of
 * text, and no stroke of a glyph, is that long without a gap. A pixel
 * counts as on the run when it or its neighbour in the line before (as
 * printed) is ink, so a line left a little askew by the straightening,
 * which steps from one line to the next, is one run; only the ink of the
 * line itself is whitened, and the line before a rule (a label's foot
 * touching it) is not on its run. A hairline drawn at 150 dpi is spread
 * over two lines of light grey, lighter than INK: a rule's pixels are
 * those under RULE_INK. -ENOMEM. */
static int erase_runs(raster_t *g, int len, enum along dir)
{
    size_t W = g->width, H = g->height;
    size_t lines = dir == ALONG_ROWS ? H : W, n = dir == ALONG_ROWS ? W : H;
    size_t step = dir == ALONG_ROWS ? 1 : W, stride = dir == ALONG_ROWS ? W : 1;
    unsigned char *before = malloc(n ? n : 1), *here = malloc(n ? n : 1);
    if (!before || !here) {
        free(before);
        free(here);
        return -ENOMEM;
    }
    memset(before, 255, n);
    for (size_t i = 0; i < lines; i++) {
        uint8_t *line = g->pix + i * stride, *tmp;
        for (size_t j = 0; j < n; j++)
            here[j] = line[j * step]; /* as printed: the next line's "before" */
        for (size_t j = 0; j < n;) {
            size_t s = j;
            while (j < n && (here[j] < RULE_INK || before[j] < RULE_INK))
                j++;
            for (size_t k = s; j - s > (size_t)len && k < j; k++)
                line[k * step] = line[k * step] < RULE_INK ? 255 : line[k * step];
            j += j == s;
        }
        tmp = before, before = here, here = tmp;
    }
    free(before);
    free(here);
    return 0;
}

/* g drawn twice as large (each pixel four). -ENOMEM. */
static int raster_scale2(const raster_t *g, raster_t **ret)
{
    raster_t *o = NULL;
    if (raster_new(g->width * 2, g->height * 2, 1, 255, &o) < 0)
        return -ENOMEM;
    for (uint32_t y = 0; y < o->height; y++)
        for (uint32_t x = 0; x < o->width; x++)
            o->pix[(size_t)y * o->width + x] = g->pix[(size_t)(y / 2) * g->width + x / 2];
    o->ppi = g->ppi * 2;
    *ret = o;
    return 0;
}

/* A copy of the page with its paper stretched to white: each value scaled
 * by 255 / the paper's grey (the commonest value above 128), so one ink
 * threshold serves a white scan and a grey photo. NULL on ENOMEM. */
static raster_t *paper_white(const raster_t *grey)
{
    size_t hist[256] = {0}, n = (size_t)grey->width * grey->height;
    for (size_t i = 0; i < n; i++)
        hist[grey->pix[i]]++;
    int paper = 255;
    for (int v = 129; v < 256; v++)
        paper = hist[v] > hist[paper] ? v : paper;
    raster_t *o = NULL;
    if (raster_new(grey->width, grey->height, 1, 255, &o) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        int v = grey->pix[i] * 255 / paper;
        o->pix[i] = (uint8_t)(v > 255 ? 255 : v);
    }
    o->ppi = grey->ppi;
    return o;
}

/* The page shared by classify and fields_read (fields.h): the page with
 * its paper stretched to white and its words. Invariant: words[0, n) are
 * the words of rows [0, read_to), each read once, in reading order (the
 * top third's first); title is the text of the top third's words. */
struct fields_page {
    raster_t *white;    /* owned: paper_white of the page */
    struct word *words; /* owned: WORDS_MAX slots, [0, n) read */
    int n;              /* words read */
    int read_to;        /* rows read: the top third's height, then the page's */
    char *title;        /* owned: the top third's words, joined by spaces */
};

void fields_page_free(fields_page_t *p)
{
    if (!p)
        return;
    raster_free(p->white);
    free(p->words);
    free(p->title);
    free(p);
}

/* p->title from its words (the top third's, just read): each word's
 * letters (upper case), the words with letters joined by one space in
 * reading order. -ENOMEM. */
static int join_title(fields_page_t *p)
{
    size_t cap = 1;
    for (int i = 0; i < p->n; i++)
        cap += (size_t)p->words[i].n * 4 + 1;
    if (!(p->title = malloc(cap)))
        return -ENOMEM;
    size_t o = 0;
    for (int i = 0; i < p->n; i++) {
        if (p->words[i].n == 0)
            continue;
        if (o > 0)
            p->title[o++] = ' ';
        for (int k = 0; k < p->words[i].n; k++)
            o += utf8_put(p->title + o, (int32_t)p->words[i].cp[k]);
    }
    p->title[o] = '\0';
    return 0;
}

int fields_page_top(const raster_t *grey, docset_tess_t *tess, fields_page_t **ret, err_t *err)
{
    *ret = NULL;
    TessBaseAPI *api = docset_tess_get(tess, DOCSET_TESS_TITLE);
    if (!api || grey->channels != 1)
        return 0;
    fields_page_t *p = calloc(1, sizeof *p);
    if (!p || !(p->white = paper_white(grey)) || !(p->words = calloc(WORDS_MAX, sizeof *p->words))) {
        fields_page_free(p);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    p->read_to = grey->height / 3 ? (int)grey->height / 3 : (int)grey->height;
    page_words(api, p->white, 0, p->read_to, 1, p->words, &p->n);
    if (join_title(p) < 0) {
        fields_page_free(p);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    *ret = p;
    return 0;
}

const char *fields_page_title(const fields_page_t *p)
{
    return p && p->title ? p->title : "";
}

/* Reads the rest of the page after the top third: the whole page again
 * with the words the top third's pass read whole painted out (paper), so
 * the layout is the page's and no word is recognised twice; a word the
 * third's edge cut is dropped from the top third's and read again whole.
 * -ENOMEM. */
static int rest_words(TessBaseAPI *api, fields_page_t *p)
{
    const raster_t *g = p->white;
    int H = (int)g->height, W = (int)g->width, kept = 0;
    if (p->read_to >= H)
        return 0;
    raster_t *rest = NULL;
    if (raster_new(g->width, g->height, 1, 255, &rest) < 0)
        return -ENOMEM;
    memcpy(rest->pix, g->pix, (size_t)g->width * g->height);
    rest->ppi = g->ppi;
    for (int i = 0; i < p->n; i++) {
        const struct word *w = &p->words[i];
        if (w->y1 >= p->read_to - 1)
            continue; /* cut by the edge: read again below */
        p->words[kept++] = *w;
        for (int y = w->y0 > 0 ? w->y0 - 1 : 0; y <= w->y1 && y < H; y++)
            for (int x = w->x0 > 0 ? w->x0 - 1 : 0; x <= w->x1 && x < W; x++)
                rest->pix[(size_t)y * g->width + (size_t)x] = 255;
    }
    p->n = kept;
    page_words(api, rest, 0, H, 1, p->words, &p->n);
    raster_free(rest);
    p->read_to = H;
    return 0;
}

/* All the page's words with their boxes (p's words completed) and, when
 * not every label of the type was found among them (small print: a photo
 * from afar, 150 dpi), the page's words read again on it drawn twice as
 * large into *ret_big (caller frees; NULL when not read). -ENOMEM. */
static int label_words(TessBaseAPI *api, fields_page_t *p, const struct spec *t, struct word **ret_big, int *ret_n)
{
    *ret_big = NULL, *ret_n = 0;
    if (rest_words(api, p) < 0)
        return -ENOMEM;
    if (labels_found(t, p->words, p->n) >= table_size(t))
        return 0;
    raster_t *big = NULL;
    struct word *w2 = calloc(WORDS_MAX, sizeof *w2);
    if (!w2 || raster_scale2(p->white, &big) < 0) {
        free(w2);
        return -ENOMEM;
    }
    /* A rule is longer than four of the page's words are high: a run of
     * text ink never is. Measured on the words, not the image's stated
     * resolution, which a PNG may not give and a phone's JPEG gives as 72.
     * A cell's side is about 2.3 glyph heights; the tallest stroke of a
     * glyph about one word's height. Measured on the lower quartile of the
     * words: on a page of cells most "words" the first pass read are the
     * cells themselves, read as tall letters, and the median was theirs. */
    int h = median_height(p->words, p->n), low = height_at(p->words, p->n, 1), ppi = big->ppi ? (int)big->ppi : 600;
    if (erase_runs(big, h > 0 ? 2 * 4 * h : ppi / 3, ALONG_ROWS) < 0 ||
        erase_runs(big, low > 0 ? 2 * low * 9 / 5 : ppi / 6, ALONG_COLUMNS) < 0) {
        raster_free(big);
        free(w2);
        return -ENOMEM;
    }
    page_words(api, big, 0, (int)big->height, 2, w2, ret_n);
    raster_free(big);
    *ret_big = w2;
    return 0;
}

/* The value regions placed so far on a page, by field. */
struct placed {
    struct rect regs[16];
    const char *names[16];
    int n;
};

/* Field f (not a tick box) into *ret: its value, or null when its region
 * overlaps an earlier field's (a label misplaced: neither is read, the
 * earlier one is set to null in `fields`; f's own region from the first
 * pass is no clash); *ret NULL when its label or its value is not on the
 * page. `tall`: label_max_height of the words. -ENOMEM. */
static int read_boxed(docset_tess_t *tess, const raster_t *g, const struct word *words, int n, int tall,
    const struct spec *f, struct placed *pl, json_t *fields, json_t **ret)
{
    *ret = NULL;
    const struct word *lw = label_word(f, words, n, tall);
    if (!lw)
        return 0;
    int pitch = 0;
    struct rect reg = value_region(g, words, n, lw, &pitch);
    if (reg.x1 <= reg.x0 || reg.y1 <= reg.y0)
        return 0;
    bool clash = false;
    for (int i = 0; i < pl->n; i++)
        if (strcmp(pl->names[i], f->field) != 0 && overlap(pl->regs[i], reg)) {
            clash = true;
            if (json_object_set_new(fields, pl->names[i], json_null()) < 0)
                return -ENOMEM;
        }
    if (pl->n < 16)
        pl->regs[pl->n] = reg, pl->names[pl->n++] = f->field;
    if (!clash)
        return read_value(tess, g, reg, pitch, f, ret);
    *ret = json_null();
    return 0;
}

/* A language certificate's level whose label was not found, from the
 * purpose's own words among the page's (below its title): into *ret the
 * level when the words name exactly one, null when they name two, NULL
 * when none. At 150 dpi the small label "Уровень владения", touching its
 * box's top line, went unread on 4 of 19 certificates while the purpose
 * under it, printed larger, was read. -ENOMEM. */
static int level_named(const struct word *words, int n, json_t **ret)
{
    const char *found = NULL;
    bool two = false;
    for (int i = 0; i < n; i++)
        note_level(&words[i], &found, &two);
    *ret = !found ? NULL : two ? json_null() : json_string(found);
    return found && !*ret ? -ENOMEM : 0;
}

/* Each field of table t read from one pass's words into `fields`: a field
 * already there is kept, except, when `again`, one set to null (unreadable)
 * by the page's first words, read again from these. `pl` is shared by the
 * passes, so a region read on the enlarged page that overlaps one read on
 * the page itself still makes both unreadable. -ENOMEM. */
static int read_fields(docset_tess_t *tess, const raster_t *g, const struct word *words, int n, const struct spec *t,
    bool again, struct placed *pl, json_t *fields)
{
    int r = 0, tall = label_max_height(words, n);
    for (const struct spec *f = t; r == 0 && f->field; f++) {
        const json_t *had = json_object_get(fields, f->field);
        if (had && !(again && json_is_null(had)))
            continue;
        json_t *v = NULL;
        r = f->kind == K_TICK ? read_tick(g, words, n, f, &v) : read_boxed(tess, g, words, n, tall, f, pl, fields, &v);
        if (r == 0 && !v && f->kind == K_LEVEL)
            r = level_named(words, n, &v);
        if (r == 0 && v && had && json_is_null(v))
            json_decref(v); /* unreadable again: stays null */
        else if (r == 0 && v && json_object_set_new(fields, f->field, v) < 0)
            r = -ENOMEM;
    }
    return r;
}

int fields_read(fields_page_t *page, const char *type, docset_tess_t *tess, json_t *fields, err_t *err)
{
    const struct spec *t = table_for(type);
    TessBaseAPI *api = t && page ? docset_tess_get(tess, DOCSET_TESS_TITLE) : NULL;
    if (!api)
        return 0;
    struct word *big = NULL;
    struct placed pl = {.n = 0};
    int n_big = 0, r = label_words(api, page, t, &big, &n_big);
    if (r == 0)
        r = read_fields(tess, page->white, page->words, page->n, t, false, &pl, fields);
    if (r == 0 && big)
        r = read_fields(tess, page->white, big, n_big, t, true, &pl, fields);
    free(big);
    /* The form prints every field of its table: one not found is one not
     * read, never one the document lacks (the engine skips an absent
     * field in its consistency checks, so a wrong digit in a number whose
     * label went unread would pass unseen). */
    for (const struct spec *f = t; r == 0 && f->field; f++)
        if (!json_object_get(fields, f->field) && json_object_set_new(fields, f->field, json_null()) < 0)
            r = -ENOMEM;
    return r < 0 ? err_set(err, -ENOMEM, "out_of_memory", "Out of memory.") : 0;
}
#endif
