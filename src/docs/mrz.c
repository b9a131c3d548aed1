#include "docs/mrz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parse.h"

#include "docs/icao_codes.h"
#include "docs/mrzfix.h"
#include "docs/translit.h"

#define MRZ_WIDTH_MAX 44
#define MRZ_BUF_MAX (3 * MRZ_WIDTH_MAX + 1)
#define REASON_MAX 256

/* The fields of every layout; a layout leaves out what it does not have. */
enum fid {
    F_CODE,
    F_STATE,
    F_NAME,
    F_DOCNUM,
    F_DOCNUM_CK,
    F_NAT,
    F_DOB,
    F_DOB_CK,
    F_SEX,
    F_EXP,
    F_EXP_CK,
    F_OPT,
    F_OPT_CK,
    F_OPT2,
    F_COMP,
    F_COUNT
};

enum kind { K_ALPHA, K_NUM, K_ALNUM };

static const char *const fid_name[F_COUNT] = {
    "document_code",
    "issuing_state",
    "name",
    "document_number",
    "document_number_check_digit",
    "nationality",
    "birth_date",
    "birth_date_check_digit",
    "sex",
    "expiry_date",
    "expiry_date_check_digit",
    "optional_data",
    "optional_data_check_digit",
    "optional_data_2",
    "composite_check_digit",
};

static const enum kind fid_kind[F_COUNT] = {
    K_ALPHA,
    K_ALPHA,
    K_ALPHA,
    K_ALNUM,
    K_NUM,
    K_ALPHA,
    K_NUM,
    K_NUM,
    K_ALPHA,
    K_NUM,
    K_NUM,
    K_ALNUM,
    K_NUM,
    K_ALNUM,
    K_NUM,
};

struct pos {
    unsigned char line, col, len; /* len 0: the layout has no such field */
};

struct layout {
    const char *name;
    size_t nlines, width;
    struct pos f[F_COUNT];
    struct pos comp[MRZFIX_MAX_SPANS]; /* what the composite digit covers */
    size_t ncomp;
};

/* Positions from ICAO Doc 9303 Parts 4 (TD3), 5 (TD1), 6 (TD2), 7 (MRV). */
static const struct layout td1 = {"TD1", 3, 30,
    {[F_CODE] = {0, 0, 2},
        [F_STATE] = {0, 2, 3},
        [F_DOCNUM] = {0, 5, 9},
        [F_DOCNUM_CK] = {0, 14, 1},
        [F_OPT] = {0, 15, 15},
        [F_DOB] = {1, 0, 6},
        [F_DOB_CK] = {1, 6, 1},
        [F_SEX] = {1, 7, 1},
        [F_EXP] = {1, 8, 6},
        [F_EXP_CK] = {1, 14, 1},
        [F_NAT] = {1, 15, 3},
        [F_OPT2] = {1, 18, 11},
        [F_COMP] = {1, 29, 1},
        [F_NAME] = {2, 0, 30}},
    {{0, 5, 25}, {1, 0, 7}, {1, 8, 7}, {1, 18, 11}}, 4};

#define LINE2_COMMON                                                                                                   \
    [F_CODE] = {0, 0, 2}, [F_STATE] = {0, 2, 3}, [F_DOCNUM] = {1, 0, 9}, [F_DOCNUM_CK] = {1, 9, 1},                    \
    [F_NAT] = {1, 10, 3}, [F_DOB] = {1, 13, 6}, [F_DOB_CK] = {1, 19, 1}, [F_SEX] = {1, 20, 1}, [F_EXP] = {1, 21, 6},   \
    [F_EXP_CK] = {1, 27, 1}

static const struct layout td2 = {"TD2", 2, 36,
    {LINE2_COMMON, [F_NAME] = {0, 5, 31}, [F_OPT] = {1, 28, 7}, [F_COMP] = {1, 35, 1}},
    {{1, 0, 10}, {1, 13, 7}, {1, 21, 14}}, 3};

static const struct layout td3 = {"TD3", 2, 44,
    {LINE2_COMMON, [F_NAME] = {0, 5, 39}, [F_OPT] = {1, 28, 14}, [F_OPT_CK] = {1, 42, 1}, [F_COMP] = {1, 43, 1}},
    {{1, 0, 10}, {1, 13, 7}, {1, 21, 22}}, 3};

static const struct layout mrva = {
    "MRV-A", 2, 44, {LINE2_COMMON, [F_NAME] = {0, 5, 39}, [F_OPT] = {1, 28, 16}}, {{0, 0, 0}}, 0};

static const struct layout mrvb = {
    "MRV-B", 2, 36, {LINE2_COMMON, [F_NAME] = {0, 5, 31}, [F_OPT] = {1, 28, 8}}, {{0, 0, 0}}, 0};

/* A list of checks in the answer and whether all of them passed. */
struct list {
    json_t *arr;
    bool all_passed;
    bool oom;   /* an append failed: the answer is incomplete */
    bool quiet; /* count only, build no JSON (mrz_verdict) */
    unsigned n, passed;
    unsigned failed_not_expiry; /* failed checks other than "not_expired" */
};

/* Why a character was repaired (image input only). */
enum why { W_NONE = 0, W_TYPE, W_TYPE_READER, W_READER };

/* One document being checked. Invariant: orig and buf hold nlines * width
 * bytes laid end to end; buf differs from orig only by OCR repairs, and
 * why[i] != W_NONE exactly where they differ. alt holds the reader's
 * near-equal second candidate for each character (0: none). */
struct doc {
    const struct layout *lay;
    bool image;
    /* The reader marked its reading unsure ('?' in alt): every character
     * (the glyphs match the font poorly), or some (they could be read two
     * ways that the check digits cannot tell apart). */
    enum { SURE, UNSURE_SOME, UNSURE_ALL } unsure;
    struct mrz_date today;
    char orig[MRZ_BUF_MAX];
    char buf[MRZ_BUF_MAX];
    char alt[MRZ_BUF_MAX];
    unsigned char why[MRZ_BUF_MAX];
    size_t ext_len; /* >0: TD1/TD2 long document number, chars in optional data incl. check */
    struct mrzfix_rule docnum_rule;
    struct list checks;
};

static size_t off_of(const struct doc *d, struct pos p)
{
    return (size_t)p.line * d->lay->width + p.col;
}

static const char *at(const struct doc *d, enum fid f)
{
    return d->buf + off_of(d, d->lay->f[f]);
}

static bool has(const struct doc *d, enum fid f)
{
    return d->lay->f[f].len > 0;
}

static void check(struct list *l, const char *name, bool passed, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends one check to the list; remembers allocation failure. */
static void check(struct list *l, const char *name, bool passed, const char *fmt, ...)
{
    char reason[REASON_MAX];
    va_list ap;
    l->n++;
    l->passed += passed;
    l->failed_not_expiry += !passed && strcmp(name, "not_expired") != 0;
    if (l->quiet) {
        l->all_passed = l->all_passed && passed;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    l->all_passed = l->all_passed && passed;
    json_t *c = json_pack("{s:s,s:b,s:s}", "name", name, "passed", passed, "reason", reason);
    if (!c || json_array_append_new(l->arr, c) < 0)
        l->oom = true;
}

/* One input line after normalisation; len counts characters even past the
 * buffer, so that over-long lines are reported with their true length. */
struct line {
    char s[MRZ_WIDTH_MAX];
    char a[MRZ_WIDTH_MAX]; /* the reader's second candidates, 0 for none */
    size_t len;
};

/* Maps one input byte to an MRZ character: upper-cases letters, drops
 * blanks and UTF-8 continuation bytes (returns 0), and turns any other
 * non-MRZ byte (a UTF-8 lead byte counts one character) into '?', which the
 * "characters" check then reports. */
static char normal_char(unsigned char c)
{
    if (c == ' ' || c == '\t' || c == '\r' || (c & 0xC0) == 0x80)
        return 0;
    if (c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<')
        return (char)c;
    return '?';
}

/* Splits text into non-empty normalised lines; *ret_unsure: how many of
 * its characters alt marks '?' (the reader is unsure of them), none, some
 * or all. Returns 0, or -EINVAL ("mrz_format") when there are more than
 * MRZ_LINES_MAX of them. */
static int split_lines(
    const char *text, const char *alt, size_t len, struct line *lines, size_t *ret_n, int *ret_unsure, err_t *err)
{
    size_t n = 0, marked = 0, cells = 0;
    struct line cur = {.len = 0};
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (cur.len == 0)
                continue;
            if (n == MRZ_LINES_MAX)
                return err_set(err, -EINVAL, "mrz_format",
                    "The text has more than %d lines; send only the machine-readable zone.", MRZ_LINES_MAX);
            lines[n++] = cur;
            cur.len = 0;
            continue;
        }
        char c = normal_char((unsigned char)text[i]);
        if (!c)
            continue;
        if (cur.len < MRZ_WIDTH_MAX) {
            char a = alt ? normal_char((unsigned char)alt[i]) : 0;
            marked += alt && alt[i] == '?';
            cells++;
            cur.s[cur.len] = c;
            cur.a[cur.len] = a == '?' || a == c ? 0 : a;
        }
        cur.len++;
    }
    *ret_n = n;
    *ret_unsure = marked == 0 ? SURE : marked < cells ? UNSURE_SOME : UNSURE_ALL;
    return 0;
}

/* Finds the first run of lines with an MRZ shape and copies it into d.
 * Returns 0 or -EINVAL ("mrz_format"). */
static int pick_zone(const struct line *l, size_t n, struct doc *d, err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct layout *lay = NULL;
        if (i + 2 < n && l[i].len == 30 && l[i + 1].len == 30 && l[i + 2].len == 30)
            lay = &td1;
        else if (i + 1 < n && l[i].len == 44 && l[i + 1].len == 44)
            lay = l[i].s[0] == 'V' ? &mrva : &td3;
        else if (i + 1 < n && l[i].len == 36 && l[i + 1].len == 36)
            lay = l[i].s[0] == 'V' ? &mrvb : &td2;
        if (!lay)
            continue;
        d->lay = lay;
        for (size_t k = 0; k < lay->nlines; k++) {
            memcpy(d->orig + k * lay->width, l[i + k].s, lay->width);
            memcpy(d->alt + k * lay->width, l[i + k].a, lay->width);
        }
        d->orig[lay->nlines * lay->width] = '\0';
        memcpy(d->buf, d->orig, sizeof d->buf);
        memset(d->why, W_NONE, sizeof d->why);
        return 0;
    }
    char lens[64] = "";
    size_t w = 0;
    for (size_t i = 0; i < n && w < sizeof lens; i++)
        w += (size_t)snprintf(lens + w, sizeof lens - w, "%s%zu", i ? ", " : "", l[i].len);
    return err_set(err, -EINVAL, "mrz_format",
        "The text is not a machine-readable zone: expected 3 lines of 30, or 2 lines of 36 "
        "or 44 characters, got %zu line(s) of length %s.",
        n, lens);
}

/* Sets up the document-number rule. TD1 and TD2 numbers longer than nine
 * characters put '<' in the check position and continue in the optional
 * data, ending with their check digit and a filler (Doc 9303 Parts 5, 6). */
static void plan_docnum(struct doc *d)
{
    struct mrzfix_rule *r = &d->docnum_rule;
    size_t opt = has(d, F_OPT) ? off_of(d, d->lay->f[F_OPT]) : 0;
    *r = (struct mrzfix_rule){
        .spans = {{off_of(d, d->lay->f[F_DOCNUM]), 9}}, .nspans = 1, .check_off = off_of(d, d->lay->f[F_DOCNUM_CK])};
    d->ext_len = 0;
    bool may_extend = d->lay == &td1 || d->lay == &td2;
    if (!may_extend || d->buf[r->check_off] != '<' || d->buf[opt] == '<')
        return;
    size_t k = 0;
    while (k < d->lay->f[F_OPT].len && d->buf[opt + k] != '<')
        k++;
    if (k < 2)
        return;
    d->ext_len = k;
    r->spans[1] = (struct mrzfix_span){opt, k - 1};
    r->nspans = 2;
    r->check_off = opt + k - 1;
}

static struct mrzfix_rule simple_rule(const struct doc *d, enum fid f, enum fid ck)
{
    return (struct mrzfix_rule){
        .spans = {{off_of(d, d->lay->f[f]), d->lay->f[f].len}}, .nspans = 1, .check_off = off_of(d, d->lay->f[ck])};
}

static struct mrzfix_rule composite_rule(const struct doc *d)
{
    struct mrzfix_rule r = {.nspans = d->lay->ncomp, .check_off = off_of(d, d->lay->f[F_COMP])};
    for (size_t k = 0; k < d->lay->ncomp; k++)
        r.spans[k] = (struct mrzfix_span){off_of(d, d->lay->comp[k]), d->lay->comp[k].len};
    return r;
}

/* Returns the field that holds flat offset off, F_COUNT for none. */
static int fid_at(const struct doc *d, size_t off)
{
    if (d->ext_len) {
        size_t opt = off_of(d, d->lay->f[F_OPT]);
        if (off >= opt && off < opt + d->ext_len)
            return off == d->docnum_rule.check_off ? F_DOCNUM_CK : F_DOCNUM;
    }
    for (int f = 0; f < F_COUNT; f++) {
        size_t o = has(d, f) ? off_of(d, d->lay->f[f]) : 0;
        if (has(d, f) && off >= o && off < o + d->lay->f[f].len)
            return f;
    }
    return F_COUNT;
}

static const char *field_at(const struct doc *d, size_t off)
{
    int f = fid_at(d, off);
    return f == F_COUNT ? "filler" : fid_name[f];
}

/* True when the TD3 personal number is all fillers (its check digit may
 * then be '<' or '0', which no reading can tell apart by value). */
static bool optional_empty(const struct doc *d)
{
    const char *s = at(d, F_OPT);
    for (size_t i = 0; i < d->lay->f[F_OPT].len; i++)
        if (s[i] != '<')
            return false;
    return true;
}

/* ---- the check digits as linear equations ------------------------------ */

#define RULES_MAX 5

/* Every check digit of the zone as it stands, with the check it reports
 * as. A digit whose field may legitimately go without one (TD3's empty
 * personal number with '<') is left out. */
struct rules {
    struct mrzfix_rule r[RULES_MAX];
    enum fid ck[RULES_MAX];
    int sum[RULES_MAX];  /* 7-3-1 sum of the spans mod 10, bad bytes as 0 */
    int nbad[RULES_MAX]; /* bytes outside A-Z 0-9 < in the spans */
    unsigned failing;    /* bit i: rule i does not hold */
    size_t n;
};

static void rules_add(struct rules *rs, struct mrzfix_rule r, enum fid ck)
{
    rs->r[rs->n] = r;
    rs->ck[rs->n++] = ck;
}

/* Weight of flat offset p in rule r: 1-9 inside the spans, -1 at the check
 * digit, 0 when r does not cover p. */
static int coef(const struct mrzfix_rule *r, size_t p)
{
    static const int w[3] = {7, 3, 1};
    if (p == r->check_off)
        return -1;
    size_t phase = 0;
    for (size_t k = 0; k < r->nspans; k++) {
        if (p >= r->spans[k].off && p < r->spans[k].off + r->spans[k].len)
            return w[(phase + p - r->spans[k].off) % 3];
        phase += r->spans[k].len;
    }
    return 0;
}

static void rules_build(const struct doc *d, struct rules *rs)
{
    rs->n = 0;
    rules_add(rs, d->docnum_rule, F_DOCNUM_CK);
    rules_add(rs, simple_rule(d, F_DOB, F_DOB_CK), F_DOB_CK);
    rules_add(rs, simple_rule(d, F_EXP, F_EXP_CK), F_EXP_CK);
    if (has(d, F_OPT_CK) && !(at(d, F_OPT_CK)[0] == '<' && optional_empty(d)))
        rules_add(rs, simple_rule(d, F_OPT, F_OPT_CK), F_OPT_CK);
    if (d->lay->ncomp)
        rules_add(rs, composite_rule(d), F_COMP);
    rs->failing = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const struct mrzfix_rule *r = &rs->r[i];
        int sum = 0, nbad = 0;
        for (size_t k = 0; k < r->nspans; k++)
            for (size_t j = 0; j < r->spans[k].len; j++) {
                size_t p = r->spans[k].off + j;
                int v = mrzfix_char_value(d->buf[p]);
                nbad += v < 0;
                sum = (sum + (v < 0 ? 0 : v) * coef(r, p)) % 10;
            }
        rs->sum[i] = sum;
        rs->nbad[i] = nbad;
        if (!mrzfix_rule_holds(d->buf, r))
            rs->failing |= 1u << i;
    }
}

/* True when changing the one byte at p to c makes every check digit hold
 * (computed from the sums, without touching buf). */
static bool single_fix(const struct doc *d, const struct rules *rs, size_t p, char c)
{
    for (size_t i = 0; i < rs->n; i++) {
        int w = coef(&rs->r[i], p);
        if (w == 0) {
            if (rs->failing & (1u << i))
                return false;
            continue;
        }
        char ck = d->buf[rs->r[i].check_off];
        int sum = rs->sum[i], nbad = rs->nbad[i];
        if (w > 0) {
            int vo = mrzfix_char_value(d->buf[p]), vn = mrzfix_char_value(c);
            nbad += (vn < 0) - (vo < 0);
            sum = ((sum + w * ((vn < 0 ? 0 : vn) - (vo < 0 ? 0 : vo))) % 10 + 10) % 10;
        } else {
            ck = c;
        }
        if (nbad != 0 || ck < '0' || ck > '9' || ck - '0' != sum)
            return false;
    }
    return true;
}

/* The characters that may stand at p by its field's type. */
static const char *allowed_at(const struct doc *d, size_t p)
{
    int f = fid_at(d, p);
    if (f == F_COUNT)
        return "<";
    if (fid_kind[f] == K_NUM)
        return "0123456789";
    if (fid_kind[f] == K_ALPHA)
        return "ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
    return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
}

static bool real_date(const char *s, bool birth, struct mrz_date today);

/* True when the date field f (F_DOB or F_EXP) would be a real date with
 * the byte at p changed to c. */
static bool date_ok_with(const struct doc *d, int f, size_t p, char c)
{
    char s[6];
    size_t o = off_of(d, d->lay->f[f]);
    memcpy(s, d->buf + o, sizeof s);
    s[p - o] = c;
    return real_date(s, f == F_DOB, d->today);
}

/* The fields (bit per enum fid) in which one changed character, of a type
 * the field allows, would make every check digit hold. 0 when the digits
 * hold already or no single change explains them. A change that would
 * leave a date that is no date explains nothing. */
static unsigned localise(const struct doc *d, const struct rules *rs)
{
    unsigned set = 0;
    size_t n = d->lay->nlines * d->lay->width;
    if (!rs->failing)
        return 0;
    for (size_t p = 0; p < n; p++) {
        int f = fid_at(d, p);
        if (f == F_COUNT || (set & (1u << f)))
            continue;
        for (const char *c = allowed_at(d, p); *c; c++)
            if (*c != d->buf[p] && single_fix(d, rs, p, *c) &&
                ((f != F_DOB && f != F_EXP) || date_ok_with(d, f, p, *c))) {
                set |= 1u << f;
                break;
            }
    }
    return set;
}

/* ---- repairs of image readings ------------------------------------------ */

static void repair(struct doc *d, size_t p, char to, enum why why)
{
    if (d->buf[p] == to)
        return;
    d->buf[p] = to;
    d->why[p] = (unsigned char)why;
}

/* The field type forces one reading. In a digits-only field (dates, check
 * digits) a letter that looks like a digit can only be that digit. In a
 * letters-only field (codes, name, sex) a digit is replaced only by the
 * letter the reader itself offered as its near-equal second candidate:
 * these fields have no check digit, so nothing would catch a wrong guess.
 * TD3's check digit of an empty personal number is left alone ('<' and '0'
 * are both allowed there), and so is a long TD1/TD2 document number's check
 * digit (in the optional data, or '<' in the usual place): where it stands
 * depends on where a filler was read, so its type is not known for sure. */
static void repair_by_type(struct doc *d)
{
    size_t n = d->lay->nlines * d->lay->width;
    for (size_t p = 0; p < n; p++) {
        int f = fid_at(d, p);
        char c = d->buf[p];
        if (f == F_COUNT)
            continue;
        bool may_extend = (d->lay == &td1 || d->lay == &td2) && at(d, F_OPT)[0] != '<';
        bool unsure = (f == F_OPT_CK && optional_empty(d)) || (f == F_DOCNUM_CK && may_extend);
        if (fid_kind[f] == K_NUM && !unsure && mrzfix_as_digit(c) != c)
            repair(d, p, mrzfix_as_digit(c), W_TYPE);
        else if (fid_kind[f] == K_ALPHA && c >= '0' && c <= '9' && d->alt[p] &&
                 (d->alt[p] == '<' || (d->alt[p] >= 'A' && d->alt[p] <= 'Z')))
            repair(d, p, d->alt[p], W_TYPE_READER);
    }
}

/* The reader saw two near-equal candidates for a character and the second
 * one makes every check digit hold: taken when exactly one such character
 * exists in the zone. Never a search over combinations. */
static void repair_by_reader(struct doc *d)
{
    struct rules rs;
    rules_build(d, &rs);
    if (!rs.failing)
        return;
    size_t n = d->lay->nlines * d->lay->width, found = 0, at_p = 0;
    for (size_t p = 0; p < n; p++) {
        char a = d->alt[p];
        if (!a || a == d->buf[p] || !strchr(allowed_at(d, p), a) || !single_fix(d, &rs, p, a))
            continue;
        found++;
        at_p = p;
    }
    if (found == 1)
        repair(d, at_p, d->alt[at_p], W_READER);
}

/* ---- the answer's lists ----------------------------------------------------- */

static const char *why_name(enum why w)
{
    return w == W_TYPE ? "field_type" : w == W_TYPE_READER ? "field_type_and_reader" : "reader_candidate";
}

static const char *why_reason(enum why w)
{
    if (w == W_TYPE)
        return "Only digits may stand in this field, and this letter is read as the digit it resembles.";
    if (w == W_TYPE_READER)
        return "Only letters may stand in this field, and the reader saw this letter as a near-equal "
               "second reading of the character.";
    return "The reader saw two near-equal readings of this character, and only the second one makes "
           "the check digits hold.";
}

/* Lists every byte the repairs changed. Returns the new array or NULL. */
static json_t *repairs_json(const struct doc *d)
{
    json_t *a = json_array();
    size_t n = d->lay->nlines * d->lay->width;
    for (size_t i = 0; a && i < n; i++) {
        if (d->why[i] == W_NONE)
            continue;
        char from[2] = {d->orig[i], 0}, to[2] = {d->buf[i], 0};
        json_t *c = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s}", "field", field_at(d, i), "line",
            (int)(i / d->lay->width + 1), "position", (int)(i % d->lay->width + 1), "from", from, "to", to, "why",
            why_name(d->why[i]), "reason", why_reason(d->why[i]));
        if (!c || json_array_append_new(a, c) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static char lookalike(char c)
{
    char t = mrzfix_as_digit(c);
    return t != c ? t : mrzfix_as_letter(c);
}

/* "Did you mean": every single look-alike swap (0/O 1/I 5/S 8/B 2/Z) that
 * would make every failing check digit hold. Nothing is changed. */
static json_t *suggestions_json(const struct doc *d, const struct rules *rs)
{
    json_t *a = json_array();
    size_t n = d->lay->nlines * d->lay->width;
    for (size_t i = 0; a && rs->failing && i < n; i++) {
        char to = lookalike(d->buf[i]);
        if (to == d->buf[i] || !strchr(allowed_at(d, i), to) || !single_fix(d, rs, i, to))
            continue;
        char from[2] = {d->buf[i], 0}, tos[2] = {to, 0}, reason[REASON_MAX];
        snprintf(reason, sizeof reason,
            "Did you mean %c at line %zu position %zu? With it every check "
            "digit holds; compare with the document before changing it.",
            to, i / d->lay->width + 1, i % d->lay->width + 1);
        json_t *c =
            json_pack("{s:s,s:i,s:i,s:s,s:s,s:s}", "field", field_at(d, i), "line", (int)(i / d->lay->width + 1),
                "position", (int)(i % d->lay->width + 1), "from", from, "to", tos, "reason", reason);
        if (!c || json_array_append_new(a, c) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static int fault_add(json_t *a, const char *field, bool sure, const char *reason)
{
    json_t *c = json_pack("{s:s,s:b,s:s}", "field", field, "sure", sure, "reason", reason);
    return !c || json_array_append_new(a, c) < 0 ? -ENOMEM : 0;
}

/* Maps a failed check other than a check digit to the field it blames. */
static int fid_of_check(const char *name)
{
    static const struct {
        const char *check;
        enum fid f;
    } m[] = {
        {"document_code", F_CODE},
        {"issuing_state", F_STATE},
        {"name", F_NAME},
        {"nationality", F_NAT},
        {"birth_date", F_DOB},
        {"sex", F_SEX},
        {"expiry_date", F_EXP},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strcmp(name, m[i].check) == 0)
            return (int)m[i].f;
    return -1;
}

/* Which part of the zone is wrong. A failed check of a field's own content
 * (a date that is no date, an unknown country code) blames that field.
 * Failed check digits are explained by the fields in which one changed
 * character would make every check digit hold: a wrong character in the
 * document number fails its own digit and the composite, and changing it
 * back satisfies both; a wrong check digit fails itself and the composite
 * (which covers it), and only a change to that digit satisfies both. When
 * several fields could explain it, each is listed with "sure": false; when
 * none can, more than one character is wrong, and each failing check digit
 * blames "its field or itself". */
static json_t *faults_json(const struct doc *d, const struct rules *rs)
{
    json_t *a = json_array();
    unsigned own = 0, loc = localise(d, rs);
    size_t i;
    json_t *c;
    json_array_foreach (d->checks.arr, i, c) {
        int f = fid_of_check(json_string_value(json_object_get(c, "name")));
        if (f >= 0 && !json_is_true(json_object_get(c, "passed")))
            own |= 1u << f;
    }
    for (size_t p = 0; p < d->lay->nlines * d->lay->width; p++)
        if (mrzfix_char_value(d->buf[p]) < 0 && fid_at(d, p) != F_COUNT)
            own |= 1u << fid_at(d, p);
    /* A field that fails its own check and could explain the digits is the
     * one explanation. */
    if (loc & own)
        loc &= own;
    unsigned nloc = (unsigned)__builtin_popcount(loc);
    for (int f = 0; a && f < F_COUNT; f++) {
        bool is_ck = fid_kind[f] == K_NUM && f != F_DOB && f != F_EXP;
        if (loc & (1u << f)) {
            const char *why = nloc > 1 ? "One wrong character here would explain every failing check "
                                         "digit, but so would one in another listed field; compare "
                                         "them with the document."
                              : is_ck  ? "This check digit disagrees with the field it protects, while the "
                                         "composite check digit agrees with that field: the check digit "
                                         "itself is misread or mistyped."
                                       : "This field disagrees with its check digits: one character of it "
                                         "is misread or mistyped.";
            if (fault_add(a, fid_name[f], nloc == 1, why) < 0)
                goto oom;
        } else if (own & (1u << f)) {
            if (fault_add(a, fid_name[f], true, "This field fails its own check (see checks).") < 0)
                goto oom;
        }
    }
    if (a && rs->failing && !nloc)
        for (size_t k = 0; k < rs->n; k++)
            if ((rs->failing & (1u << k)) &&
                fault_add(a, fid_name[rs->ck[k]], false,
                    "More than one character is wrong among what this check digit covers, or "
                    "the digit itself; re-scan the document or compare it character by "
                    "character.") < 0)
                goto oom;
    return a;
oom:
    json_decref(a);
    return NULL;
}

/* Copies field f into out (size > MRZ_WIDTH_MAX) as a C string. */
static void raw(const struct doc *d, enum fid f, char *out)
{
    size_t len = has(d, f) ? d->lay->f[f].len : 0;
    memcpy(out, at(d, f), len);
    out[len] = '\0';
}

/* Turns MRZ fillers into spaces, collapses runs and trims the ends. */
static void fillers_to_spaces(char *s)
{
    size_t n = 0;
    for (size_t i = 0; s[i]; i++) {
        char c = s[i] == '<' ? ' ' : s[i];
        if (c == ' ' && (n == 0 || s[n - 1] == ' '))
            continue;
        s[n++] = c;
    }
    while (n > 0 && s[n - 1] == ' ')
        n--;
    s[n] = '\0';
}

static void strip_trailing_fillers(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '<')
        n--;
    s[n] = '\0';
}

/* The document number without padding, with a long number's continuation. */
static void document_number(const struct doc *d, char *out)
{
    raw(d, F_DOCNUM, out);
    if (d->ext_len) {
        memcpy(out + 9, at(d, F_OPT), d->ext_len - 1);
        out[9 + d->ext_len - 1] = '\0';
    }
    size_t n = 0;
    for (size_t i = 0; out[i]; i++)
        if (out[i] != '<')
            out[n++] = out[i];
    out[n] = '\0';
}

/* Splits the name field into surname and given names at the first "<<". */
static void split_name(const struct doc *d, char *surname, char *given)
{
    raw(d, F_NAME, surname);
    char *sep = strstr(surname, "<<");
    given[0] = '\0';
    if (sep) {
        memcpy(given, sep + 2, strlen(sep + 2) + 1);
        *sep = '\0';
    }
    fillers_to_spaces(surname);
    fillers_to_spaces(given);
}

/* ICAO truncation leaves the last position of the name field occupied. */
static bool name_truncated(const struct doc *d)
{
    return at(d, F_NAME)[d->lay->f[F_NAME].len - 1] != '<';
}

/* A date read from YYMMDD. m or d is 0 when the MRZ marks it unknown. */
struct mdate {
    bool ok; /* digits (or fillers for unknown parts) and a real calendar date */
    int y, m, d;
};

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dim[m - 1];
}

/* Compares dates treating unknown parts (0) as equal to anything. */
static int date_cmp(int y1, int m1, int d1, struct mrz_date t)
{
    if (y1 != t.y)
        return y1 < t.y ? -1 : 1;
    if (m1 && m1 != t.m)
        return m1 < t.m ? -1 : 1;
    if (m1 && d1 && d1 != t.d)
        return d1 < t.d ? -1 : 1;
    return 0;
}

/* Two digits, or "<<" for unknown (0). Returns -1 when neither. */
static int two(const char *s)
{
    if (s[0] == '<' && s[1] == '<')
        return 0;
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Reads YYMMDD. Birth dates take the latest century not after today;
 * other dates the century within 50 years either side of today. */
static struct mdate read_date(const char *s, bool birth, struct mrz_date today)
{
    struct mdate r = {.ok = false};
    int yy = two(s), mm = two(s + 2), dd = two(s + 4);
    if (yy < 0 || mm < 0 || dd < 0 || (s[0] == '<') || mm > 12 || (mm == 0 && dd != 0))
        return r;
    if (birth) {
        r.y = today.y - ((today.y - yy) % 100 + 100) % 100;
        if (date_cmp(r.y, mm, dd, today) > 0)
            r.y -= 100;
    } else {
        int base = today.y - 50;
        r.y = base + ((yy - base) % 100 + 100) % 100;
    }
    r.m = mm;
    r.d = dd;
    r.ok = dd == 0 || (mm > 0 && dd <= days_in(r.y, mm));
    return r;
}

static bool real_date(const char *s, bool birth, struct mrz_date today)
{
    return read_date(s, birth, today).ok;
}

/* Formats a date as ISO 8601, shortened when parts are unknown. */
static void iso_date(struct mdate m, char *out, size_t n)
{
    if (!m.m)
        snprintf(out, n, "%04d", m.y);
    else if (!m.d)
        snprintf(out, n, "%04d-%02d", m.y, m.m);
    else
        snprintf(out, n, "%04d-%02d-%02d", m.y, m.m, m.d);
}

static void check_characters(struct doc *d)
{
    size_t n = d->lay->nlines * d->lay->width, bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (mrzfix_char_value(d->buf[i]) < 0 && bad++ == 0)
            first = i;
    if (!bad)
        check(&d->checks, "characters", true, "Every character is A-Z, 0-9 or <.");
    else
        check(&d->checks, "characters", false,
            "%zu character(s) are not A-Z, 0-9 or <, the first at line %zu position %zu; "
            "re-scan the document or retype that character.",
            bad, first / d->lay->width + 1, first % d->lay->width + 1);
}

static void check_document_code(struct doc *d)
{
    char c = at(d, F_CODE)[0], c2 = at(d, F_CODE)[1];
    const char *want = d->lay == &td3 ? "P" : (d->lay == &mrva || d->lay == &mrvb) ? "V" : "ACI";
    bool ok = strchr(want, c) && c != '\0' && ((c2 >= 'A' && c2 <= 'Z') || c2 == '<');
    if (ok)
        check(&d->checks, "document_code", true, "The document code %c%c fits a %s document.", c, c2, d->lay->name);
    else
        check(&d->checks, "document_code", false,
            "The document code at the start of line 1 must begin with %s for a %s document; "
            "check that the right page or side was scanned.",
            d->lay == &td1 || d->lay == &td2 ? "A, C or I" : want, d->lay->name);
}

static void check_code(struct doc *d, enum fid f, const char *name, const char *what)
{
    const char *s = at(d, f);
    struct pos p = d->lay->f[f];
    if (icao_codes_known(s))
        check(&d->checks, name, true, "The %s code %.3s is a known ICAO code.", what, s);
    else
        check(&d->checks, name, false,
            "The %s code at line %d positions %d-%d is not an ICAO country code; "
            "compare it with the document and correct it.",
            what, p.line + 1, p.col + 1, p.col + 3);
}

/* True when a "<<" separator is followed by a letter within the field. */
static bool given_names_present(const char *s, size_t len)
{
    size_t i = 0;
    while (i + 1 < len && !(s[i] == '<' && s[i + 1] == '<'))
        i++;
    for (i += 2; i < len; i++)
        if (s[i] != '<')
            return true;
    return false;
}

static void check_name(struct doc *d)
{
    const char *s = at(d, F_NAME);
    size_t len = d->lay->f[F_NAME].len;
    bool letters = true;
    for (size_t i = 0; i < len; i++)
        letters = letters && ((s[i] >= 'A' && s[i] <= 'Z') || s[i] == '<');
    if (s[0] == '<')
        check(&d->checks, "name", false,
            "The name field starts with a filler, so the surname is missing; "
            "re-scan the document.");
    else if (!letters)
        check(&d->checks, "name", false,
            "The name field holds characters other than letters and <; "
            "re-scan the document or retype the name line.");
    else
        check(&d->checks, "name", true, "The name field holds a surname%s.",
            given_names_present(s, len) ? " and given names" : "");
}

/* Reports a check digit: rule r protects `what`; ck is the digit's offset. */
static void check_digit(struct doc *d, const char *name, const char *what, const struct mrzfix_rule *r)
{
    char got = d->buf[r->check_off];
    int sum = 0;
    size_t phase = 0;
    bool readable = true;
    for (size_t k = 0; k < r->nspans; k++) {
        int v = mrzfix_check_digit(d->buf + r->spans[k].off, r->spans[k].len, phase);
        readable = readable && v >= 0;
        sum = (sum + (v < 0 ? 0 : v)) % 10;
        phase += r->spans[k].len;
    }
    size_t line = r->check_off / d->lay->width + 1, col = r->check_off % d->lay->width + 1;
    if (mrzfix_rule_holds(d->buf, r))
        check(&d->checks, name, true, "The %s matches its check digit %c.", what, got);
    else if (!readable)
        check(&d->checks, name, false,
            "The %s holds unreadable characters, so its check digit (line %zu "
            "position %zu) cannot be verified; re-scan the document.",
            what, line, col);
    else
        check(&d->checks, name, false,
            "The check digit at line %zu position %zu is %c but the %s gives %d; "
            "one of them was misread or mistyped: re-scan or correct it.",
            line, col, got, what, sum);
}

static void check_sex(struct doc *d)
{
    char c = at(d, F_SEX)[0];
    struct pos p = d->lay->f[F_SEX];
    if (c == 'F' || c == 'M' || c == 'X' || c == '<')
        check(&d->checks, "sex", true, "The sex is %s.", c == 'F' ? "F" : c == 'M' ? "M" : "unspecified (X)");
    else
        check(&d->checks, "sex", false, "The sex at line %d position %d must be F, M or <; re-scan the document.",
            p.line + 1, p.col + 1);
}

/* No future check: the century is chosen so that the date is not after
 * today, which makes a future birth date impossible by construction. */
static void check_birth(struct doc *d, struct mdate b)
{
    if (!b.ok)
        check(&d->checks, "birth_date", false,
            "The date of birth is not a real calendar date (YYMMDD); "
            "re-scan the document or correct the date.");
    else
        check(&d->checks, "birth_date", true, "The date of birth is a real date in the past%s.",
            b.d ? "" : " (the MRZ marks part of it unknown)");
}

static void check_expiry(struct doc *d, struct mdate e, struct mrz_date today)
{
    if (!e.ok || !e.d) {
        check(&d->checks, "expiry_date", false,
            "The date of expiry is not a real calendar date (YYMMDD); "
            "re-scan the document or correct the date.");
        check(&d->checks, "not_expired", false, "The expiry cannot be judged without a valid date of expiry.");
        return;
    }
    check(&d->checks, "expiry_date", true, "The date of expiry is a real calendar date.");
    if (date_cmp(e.y, e.m, e.d, today) < 0)
        check(&d->checks, "not_expired", false,
            "The document expired on %04d-%02d-%02d, before %04d-%02d-%02d; "
            "the applicant needs a valid document.",
            e.y, e.m, e.d, today.y, today.m, today.d);
    else
        check(&d->checks, "not_expired", true, "The document is valid until %04d-%02d-%02d.", e.y, e.m, e.d);
}

/* TD3 optional data: an empty personal number may have '<' as its digit. */
static void check_optional(struct doc *d)
{
    const char *s = at(d, F_OPT);
    bool empty = true;
    for (size_t i = 0; i < d->lay->f[F_OPT].len; i++)
        empty = empty && s[i] == '<';
    if (at(d, F_OPT_CK)[0] == '<') {
        if (empty)
            check(&d->checks, "optional_data_check_digit", true, "There is no personal number; the filler is allowed.");
        else
            check(&d->checks, "optional_data_check_digit", false,
                "The personal number has no check digit (line 2 position 43); re-scan the document.");
        return;
    }
    struct mrzfix_rule r = simple_rule(d, F_OPT, F_OPT_CK);
    check_digit(d, "optional_data_check_digit", "personal number", &r);
}

/* Everything the checks and the cross-check read, extracted once. */
struct values {
    char surname[MRZ_WIDTH_MAX + 1], given[MRZ_WIDTH_MAX + 1];
    char docnum[2 * MRZ_WIDTH_MAX + 1];
    struct mdate birth, expiry;
    bool truncated;
};

static json_t *date_json(struct mdate m)
{
    char s[16];
    if (!m.ok)
        return json_null();
    iso_date(m, s, sizeof s);
    return json_string(s);
}

static json_t *sex_json(char c)
{
    if (c == 'F' || c == 'M')
        return json_stringn(&c, 1);
    return c == 'X' || c == '<' ? json_string("X") : json_null();
}

/* Optional data as printed, without trailing fillers or a long number's
 * continuation. */
static json_t *optional_json(const struct doc *d, enum fid f)
{
    char s[MRZ_WIDTH_MAX + 1];
    raw(d, f, s);
    size_t skip = f == F_OPT && d->ext_len ? d->ext_len + 1 : 0;
    if (skip > strlen(s))
        skip = strlen(s);
    strip_trailing_fillers(s + skip);
    return json_string(s + skip);
}

static json_t *fields_json(const struct doc *d, const struct values *v)
{
    char code[3], state[4], nat[4];
    raw(d, F_CODE, code);
    raw(d, F_STATE, state);
    raw(d, F_NAT, nat);
    strip_trailing_fillers(code);
    strip_trailing_fillers(state);
    strip_trailing_fillers(nat);
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:o,s:o,s:o,s:o}", "document_code", code, "issuing_state",
        state, "surname", v->surname, "given_names", v->given, "name_truncated", v->truncated, "document_number",
        v->docnum, "nationality", nat, "birth_date", date_json(v->birth), "sex", sex_json(at(d, F_SEX)[0]),
        "expiry_date", date_json(v->expiry), "optional_data", optional_json(d, F_OPT));
    if (o && has(d, F_OPT2) && json_object_set_new(o, "optional_data_2", optional_json(d, F_OPT2)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Runs every check of the layout in a fixed order. */
static void run_checks(struct doc *d, const struct values *v, struct mrz_date today)
{
    check_characters(d);
    check_document_code(d);
    check_code(d, F_STATE, "issuing_state", "issuing state");
    check_name(d);
    if (d->buf[d->docnum_rule.check_off] == '<')
        check(&d->checks, "document_number_check_digit", false,
            "The document number has no check digit (a filler stands in its place); re-scan the document.");
    else
        check_digit(d, "document_number_check_digit", "document number", &d->docnum_rule);
    check_code(d, F_NAT, "nationality", "nationality");
    check_birth(d, v->birth);
    struct mrzfix_rule r = simple_rule(d, F_DOB, F_DOB_CK);
    check_digit(d, "birth_date_check_digit", "date of birth", &r);
    check_sex(d);
    check_expiry(d, v->expiry, today);
    r = simple_rule(d, F_EXP, F_EXP_CK);
    check_digit(d, "expiry_date_check_digit", "date of expiry", &r);
    if (has(d, F_OPT_CK))
        check_optional(d);
    if (d->lay->ncomp) {
        r = composite_rule(d);
        check_digit(d, "composite_check_digit", "composite of number, dates and optional data", &r);
    }
    /* Check digits catch one misread in a field, not two that cancel
     * (8 read B and 5 read S differ by 3 x 7 + 23 x 3 = 90): a reading the
     * reader itself calls unsure cannot vouch for the zone. */
    if (d->image && d->unsure == UNSURE_ALL)
        check(&d->checks, "reading_confident", false,
            "The picture's characters match the machine-readable font poorly (small, blurred, bent or "
            "an unusual print), so this reading cannot confirm the zone; take the photo again, flat and "
            "sharp, or type the zone.");
    else if (d->image && d->unsure == UNSURE_SOME)
        check(&d->checks, "reading_confident", false,
            "Some characters in the picture could be read two ways (such as 0 and O, or 6 and G), and the "
            "check digits hold either way, so this reading cannot confirm the zone; take the photo again, "
            "closer, flat and sharp, or type the zone.");
}

/* Compares one typed name with the document's through transliteration. */
static void cross_name(struct list *l, const json_t *typed, const char *key, const char *doc, bool truncated)
{
    char name[32];
    snprintf(name, sizeof name, "%s_matches", key);
    bool one = strcmp(key, "surname") == 0;
    const char *what = one ? "surname" : "given names", *verb = one ? "matches" : "match";
    const json_t *t = json_object_get(typed, key);
    if (!json_is_string(t)) {
        check(l, name, false, "The typed %s is not text; type it as in the document.", what);
        return;
    }
    char *latin = NULL;
    err_t e = {0};
    if (translit_to_latin(json_string_value(t), json_string_length(t), &latin, &e) < 0) {
        check(l, name, false, "%s", e.msg);
        return;
    }
    enum translit_match m = translit_compare(latin, doc, truncated);
    free(latin);
    if (m == TRANSLIT_EXACT)
        check(l, name, true, "The typed %s %s the document.", what, verb);
    else if (m == TRANSLIT_TRUNCATED)
        check(l, name, true, "The typed %s %s the document, which shows it truncated.", what, verb);
    else if (m == TRANSLIT_VARIANT)
        check(l, name, true, "The typed %s %s the document under a different transliteration.", what, verb);
    else
        check(l, name, false,
            "The typed %s does not match the document (%s); correct what was typed "
            "or check that this is the applicant's document.",
            what, doc[0] ? doc : "empty");
}

/* Reads "YYYY-MM-DD" into y, m, d. Returns 0 or -EINVAL. */
static int typed_date(const char *s, size_t len, int *y, int *m, int *d)
{
    uint64_t v[3];
    if (len != 10 || s[4] != '-' || s[7] != '-' || parse_u64(s, 4, 1, 9999, &v[0]) < 0 ||
        parse_u64(s + 5, 2, 1, 12, &v[1]) < 0 || parse_u64(s + 8, 2, 1, 31, &v[2]) < 0)
        return -EINVAL;
    *y = (int)v[0];
    *m = (int)v[1];
    *d = (int)v[2];
    return 0;
}

static void cross_birth(struct list *l, const json_t *typed, struct mdate b)
{
    const json_t *t = json_object_get(typed, "birth_date");
    int y, m, dd;
    if (!json_is_string(t) || typed_date(json_string_value(t), json_string_length(t), &y, &m, &dd) < 0) {
        check(l, "birth_date_matches", false, "The typed date of birth is not a date (YYYY-MM-DD); retype it.");
        return;
    }
    if (!b.ok) {
        check(l, "birth_date_matches", false,
            "The document's date of birth is unreadable, so it cannot "
            "be compared; re-scan the document.");
        return;
    }
    bool same = date_cmp(b.y, b.m, b.d, (struct mrz_date){y, m, dd}) == 0;
    if (same)
        check(l, "birth_date_matches", true, "The typed date of birth matches the document.");
    else
        check(l, "birth_date_matches", false,
            "The typed date of birth differs from the document's; "
            "correct what was typed or check the document.");
}

/* Upper-cases and drops blanks, hyphens and fillers. Returns false when the
 * typed number does not fit out. */
static bool normal_docnum(const char *s, size_t len, char *out, size_t outsz)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i] >= 'a' && s[i] <= 'z' ? (char)(s[i] - 'a' + 'A') : s[i];
        if (c == ' ' || c == '-' || c == '<')
            continue;
        if (n + 1 >= outsz)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return true;
}

/* True when a and b differ only in characters OCR confuses. */
static bool same_but_confusions(const char *a, const char *b)
{
    if (strlen(a) != strlen(b))
        return false;
    for (size_t i = 0; a[i]; i++)
        if (mrzfix_as_digit(a[i]) != mrzfix_as_digit(b[i]))
            return false;
    return true;
}

static void cross_docnum(struct list *l, const json_t *typed, const char *doc)
{
    const json_t *t = json_object_get(typed, "document_number");
    char num[2 * MRZ_WIDTH_MAX + 1];
    if (!json_is_string(t) || !normal_docnum(json_string_value(t), json_string_length(t), num, sizeof num)) {
        check(l, "document_number_matches", false,
            "The typed document number is not text of a "
            "plausible length; retype it.");
        return;
    }
    if (strcmp(num, doc) == 0)
        check(l, "document_number_matches", true, "The typed document number matches the document.");
    else if (same_but_confusions(num, doc))
        check(l, "document_number_matches", false,
            "The typed document number differs from the document's "
            "only in look-alike characters (O/0, I/1, S/5, B/8, Z/2); "
            "compare them one by one.");
    else
        check(l, "document_number_matches", false,
            "The typed document number differs from the document's; "
            "correct what was typed or check the document.");
}

/* Builds the cross_check list for whichever keys the applicant typed. */
static int cross_check(const json_t *typed, const struct values *v, json_t *out)
{
    struct list l = {.arr = json_array(), .all_passed = true};
    if (!l.arr)
        return -ENOMEM;
    if (json_object_get(typed, "surname"))
        cross_name(&l, typed, "surname", v->surname, v->truncated);
    if (json_object_get(typed, "given_names"))
        cross_name(&l, typed, "given_names", v->given, v->truncated);
    if (json_object_get(typed, "birth_date"))
        cross_birth(&l, typed, v->birth);
    if (json_object_get(typed, "document_number"))
        cross_docnum(&l, typed, v->docnum);
    if (l.oom) {
        json_decref(l.arr);
        return -ENOMEM;
    }
    if (json_object_set_new(out, "cross_check", l.arr) < 0 ||
        json_object_set_new(out, "matches_typed", json_boolean(l.all_passed)) < 0)
        return -ENOMEM;
    return 0;
}

static void extract(const struct doc *d, struct mrz_date today, struct values *v)
{
    split_name(d, v->surname, v->given);
    v->truncated = name_truncated(d);
    document_number(d, v->docnum);
    v->birth = read_date(at(d, F_DOB), true, today);
    v->expiry = read_date(at(d, F_EXP), false, today);
}

static json_t *lines_json(const struct doc *d, const char *buf)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < d->lay->nlines; k++)
        if (json_array_append_new(a, json_stringn(buf + k * d->lay->width, d->lay->width)) < 0) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* Assembles the answer; takes the checks array. Returns NULL on OOM. */
static json_t *answer(struct doc *d, const struct values *v)
{
    struct rules rs;
    rules_build(d, &rs);
    bool repaired = false;
    for (size_t i = 0; i < d->lay->nlines * d->lay->width; i++)
        repaired = repaired || d->why[i] != W_NONE;
    const char *status = !d->checks.all_passed ? "invalid" : repaired ? "valid_after_repairs" : "valid";
    json_t *faults = faults_json(d, &rs);
    json_t *o = json_pack("{s:s,s:s,s:b,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "format", d->lay->name, "source",
        d->image ? "image" : "text", "valid", d->checks.all_passed, "status", status, "mrz", lines_json(d, d->buf),
        "mrz_as_read", lines_json(d, d->orig), "fields", fields_json(d, v), "checks", d->checks.arr, "repairs",
        repairs_json(d), "suggestions", suggestions_json(d, &rs), "faults", faults);
    d->checks.arr = NULL; /* json_pack took it, on failure too */
    return o;
}

/* Reads the zone out of text into d and makes the repairs (image only). */
static int prepare(
    struct doc *d, const char *text, const char *alt, size_t len, bool image, struct mrz_date today, err_t *err)
{
    d->today = today;
    if (!text && len)
        return err_set(err, -EINVAL, "mrz_unreadable", "No text was given.");
    if (len > MRZ_TEXT_MAX)
        return err_set(err, -EINVAL, "mrz_too_long",
            "The text is longer than %d bytes; send only the "
            "machine-readable zone.",
            MRZ_TEXT_MAX);
    struct line lines[MRZ_LINES_MAX];
    size_t n = 0;
    int unsure = SURE;
    int r = split_lines(text, alt, len, lines, &n, &unsure, err);
    d->unsure = unsure;
    if (r < 0)
        return r;
    if (n == 0)
        return err_set(err, -EINVAL, "mrz_unreadable", "The text is empty; send the machine-readable zone.");
    if ((r = pick_zone(lines, n, d, err)) < 0)
        return r;
    plan_docnum(d);
    if (image) {
        repair_by_type(d);
        repair_by_reader(d);
        plan_docnum(d); /* the checks judge the repaired reading */
    }
    return 0;
}

int mrz_verdict(const char *text, const char *alt, size_t len, bool image, struct mrz_date today,
    struct mrz_verdict *ret, err_t *err)
{
    struct doc d = {.lay = NULL, .image = image};
    int r = prepare(&d, text, alt, len, image, today, err);
    if (r < 0)
        return r;
    struct values v;
    extract(&d, today, &v);
    d.checks = (struct list){.arr = NULL, .all_passed = true, .quiet = true};
    run_checks(&d, &v, today);
    size_t n = d.lay->nlines * d.lay->width;
    ret->repairs = 0;
    for (size_t i = 0; i < n; i++)
        ret->repairs += d.why[i] != W_NONE;
    ret->status = !d.checks.all_passed ? MRZ_INVALID : ret->repairs ? MRZ_VALID_AFTER_REPAIRS : MRZ_VALID;
    memcpy(ret->zone, d.buf, n);
    ret->zone[n] = '\0';
    ret->width = d.lay->width;
    ret->checks = d.checks.n;
    ret->passed = d.checks.passed;
    ret->failed_not_expiry = d.checks.failed_not_expiry;
    return 0;
}

static int check_zone(const char *text, const char *alt, size_t len, bool image, const json_t *typed,
    struct mrz_date today, json_t **ret, err_t *err)
{
    if (!ret)
        return err_set(err, -EINVAL, "mrz_unreadable", "No text was given.");
    int r;
    struct doc d = {.lay = NULL, .image = image};
    if ((r = prepare(&d, text, alt, len, image, today, err)) < 0)
        return r;
    struct values v;
    extract(&d, today, &v);
    d.checks = (struct list){.arr = json_array(), .all_passed = true};
    if (!d.checks.arr)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    run_checks(&d, &v, today);
    bool oom = d.checks.oom;
    json_t *o = answer(&d, &v);
    if (!o || oom || (json_is_object(typed) && cross_check(typed, &v, o) < 0)) {
        json_decref(o);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    *ret = o;
    return 0;
}

int mrz_check_text(const char *text, size_t len, const json_t *typed, struct mrz_date today, json_t **ret, err_t *err)
{
    return check_zone(text, NULL, len, false, typed, today, ret, err);
}

int mrz_check_ocr(
    const char *text, const char *alt, size_t len, const json_t *typed, struct mrz_date today, json_t **ret, err_t *err)
{
    return check_zone(text, alt, len, true, typed, today, ret, err);
}
