#include "rules/calendar.h"

#include "base/parse.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define YEAR_BYTES 46 /* 366 bits, one per day of a year */

/* add_working_days and count_working_days work on years 1..9999 (they clamp
 * into it); is_working_day answers fully up to year 99999, which any result
 * of add_working_days stays below, and by the weekend rule alone beyond. The
 * bounds only keep year arithmetic inside date_t. */
#define ARITH_FIRST_YEAR 1
#define ARITH_LAST_YEAR 9999
#define DOMAIN_LAST_YEAR 99999

/* One loaded official year. Invariant: bit i of off is set exactly when day
 * i of the year (0 = January 1) is not a working day. */
struct cal_year {
    int year;                             /* DATE_MIN_YEAR..DATE_MAX_YEAR */
    uint8_t off[YEAR_BYTES];              /* non-working days, final answer */
    bool has_decree;                      /* a decree line was present */
    char decree[CALENDAR_DECREE_MAX + 1]; /* NUL-terminated decree text */
};

/* Invariant: years[0..n) sorted by year, strictly increasing. */
struct calendar {
    struct cal_year *years; /* owned array of cap entries */
    size_t n;               /* entries in use */
    size_t cap;             /* entries allocated */
};

/* Which days of one year are off, either borrowed from a loaded year or
 * computed into buf. Never copied: off may point into buf. */
struct year_view {
    date_t first;            /* January 1 */
    date_t last;             /* December 31 */
    bool provisional;        /* computed from art. 112, not loaded */
    const uint8_t *off;      /* bit per day, as in struct cal_year */
    uint8_t buf[YEAR_BYTES]; /* storage for a provisional year */
};

/* State of one calendar_load_year call. */
struct parser {
    struct cal_year y;               /* the year being built; y.year 0 until "year" */
    uint8_t listed_off[YEAR_BYTES];  /* days named by "off" */
    uint8_t listed_work[YEAR_BYTES]; /* days named by "work" */
    date_t first;                    /* January 1 of y.year */
    date_t last;                     /* December 31 of y.year */
    unsigned line;                   /* 1-based number of the current line */
    err_t *err;
};

/* i is a day of the year, 0..365. */
static bool bit_get(const uint8_t *bits, unsigned i)
{
    return (bits[i / 8] >> (i % 8)) & 1u;
}

static void bit_set(uint8_t *bits, unsigned i)
{
    bits[i / 8] = (uint8_t)(bits[i / 8] | (1u << (i % 8)));
}

static bool is_weekend(date_t d)
{
    return date_weekday(d) >= 6;
}

static int year_of(date_t d)
{
    int y, m, dd;
    date_to_ymd(d, &y, &m, &dd);
    return y;
}

/* ---------------------------------------------------------------- years */

/* Index of the first loaded year >= year (binary search). */
static size_t lower_bound(const calendar_t *cal, int year)
{
    size_t lo = 0, hi = cal->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->years[mid].year < year)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct cal_year *find_year(const calendar_t *cal, int year)
{
    if (!cal)
        return NULL;
    size_t i = lower_bound(cal, year);
    return i < cal->n && cal->years[i].year == year ? &cal->years[i] : NULL;
}

/* Labour Code art. 112 part 1: the non-working holidays other than the
 * New Year holidays Jan 1-8. */
static const struct {
    int m, d;
} ART112_HOLIDAYS[] = {
    {2, 23},
    {3, 8},
    {5, 1},
    {5, 9},
    {6, 12},
    {11, 4},
};
#define ART112_COUNT (sizeof ART112_HOLIDAYS / sizeof ART112_HOLIDAYS[0])

/* Day of the year (0 = Jan 1) of month m, day d. */
static int day_of_year(int year, int m, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    return before[m - 1] + d - 1 + (m > 2 && date_is_leap_year(year));
}

/* Sets the Saturday and Sunday bits of a year of ndays days starting on
 * weekday jan1, and clears all others. Weekends repeat every 56 days, which
 * is exactly 7 bytes, so one 7-byte pattern tiles the whole year. */
static void fill_weekends(uint8_t off[YEAR_BYTES], int jan1, int ndays)
{
    uint8_t pattern[7] = {0};
    for (unsigned i = 0; i < 56; i++)
        if ((jan1 - 1 + (int)i) % 7 >= 5)
            bit_set(pattern, i);
    for (size_t k = 0; k < YEAR_BYTES; k++)
        off[k] = pattern[k % 7];
    /* Keep bits past the year's last day clear, as loaded years do. */
    off[ndays / 8] &= (uint8_t)((1u << (ndays % 8)) - 1);
    for (size_t k = (size_t)ndays / 8 + 1; k < YEAR_BYTES; k++)
        off[k] = 0;
}

/* Fills off with the art. 112 year: weekends, holidays, and for each holiday
 * on a weekend one day off on the next working day (part 2). The Jan 1-8
 * holidays never move by themselves: the decree moves two of the weekend
 * days they cover, which only the decree can say. A provisional year is
 * rebuilt on every query that touches it, so this works from the weekday of
 * Jan 1 alone, without further date conversions. */
static void build_provisional(int year, uint8_t off[YEAR_BYTES])
{
    int ndays = 365 + date_is_leap_year(year);
    int jan1 = date_weekday(date_from_ymd(year, 1, 1)); /* 1 = Monday */
    fill_weekends(off, jan1, ndays);
    for (unsigned i = 0; i < 8; i++)
        bit_set(off, i);
    for (size_t h = 0; h < ART112_COUNT; h++)
        bit_set(off, (unsigned)day_of_year(year, ART112_HOLIDAYS[h].m, ART112_HOLIDAYS[h].d));
    for (size_t h = 0; h < ART112_COUNT; h++) {
        int i = day_of_year(year, ART112_HOLIDAYS[h].m, ART112_HOLIDAYS[h].d);
        if ((jan1 - 1 + i) % 7 + 1 < 6)
            continue;
        int j = i + 1;
        while (j < ndays && bit_get(off, (unsigned)j))
            j++;
        if (j < ndays)
            bit_set(off, (unsigned)j);
    }
}

static void view_year(const calendar_t *cal, int year, struct year_view *v)
{
    const struct cal_year *y = find_year(cal, year);
    v->first = date_from_ymd(year, 1, 1);
    v->last = date_from_ymd(year + 1, 1, 1) - 1;
    v->provisional = y == NULL;
    if (y) {
        v->off = y->off;
    } else {
        build_provisional(year, v->buf);
        v->off = v->buf;
    }
}

static bool view_is_working(const struct year_view *v, date_t d)
{
    return !bit_get(v->off, (unsigned)(d - v->first));
}

/* ------------------------------------------------------------ the parser */

static int syntax(const struct parser *p, const char *what)
{
    return err_set(p->err, -EINVAL, "calendar_syntax", "calendar line %u: %s", p->line, what);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool word_is(const char *s, size_t n, const char *word)
{
    return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* Length of the UTF-8 sequence at s (at most n bytes) if it encodes one
 * printable scalar value (no C0/C1 controls, no DEL, no surrogates, no
 * overlong forms); 0 otherwise. */
static size_t utf8_printable_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c >= 0x20 && c != 0x7f;
    size_t k = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
    static const uint32_t min_cp[4] = {0, 0x80, 0x800, 0x10000};
    if (k == 0 || n <= k)
        return 0;
    uint32_t cp = c & (0x3fu >> k);
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[j] & 0x3fu);
    }
    if (cp < min_cp[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
        return 0;
    return k + 1;
}

static bool utf8_printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t k = utf8_printable_len((const unsigned char *)s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

static int parse_year_line(struct parser *p, const char *arg, size_t n)
{
    uint64_t year;
    if (p->y.year != 0)
        return syntax(p, "second 'year' line");
    if (n != 4 || parse_u64(arg, n, DATE_MIN_YEAR, DATE_MAX_YEAR, &year) < 0)
        return syntax(p, "'year' needs a year YYYY between 1900 and 2200");
    p->y.year = (int)year;
    p->first = date_from_ymd(p->y.year, 1, 1);
    p->last = date_from_ymd(p->y.year + 1, 1, 1) - 1;
    return 0;
}

static int parse_decree_line(struct parser *p, const char *arg, size_t n)
{
    if (p->y.has_decree)
        return syntax(p, "second 'decree' line");
    if (n == 0 || n > CALENDAR_DECREE_MAX)
        return syntax(p, "'decree' needs a text of 1 to 200 bytes");
    if (!utf8_printable(arg, n))
        return syntax(p, "'decree' text is not printable UTF-8");
    memcpy(p->y.decree, arg, n);
    p->y.decree[n] = '\0';
    p->y.has_decree = true;
    return 0;
}

/* Reads "DATE" or "DATE..DATE", both inside the parser's year. */
static int parse_range(struct parser *p, const char *arg, size_t n, date_t *ret_a, date_t *ret_b)
{
    date_t a = 0, b = 0; /* set on success; zeroed for -Wmaybe-uninitialized */
    bool single = n == 10;
    if (!single && !(n == 22 && arg[10] == '.' && arg[11] == '.'))
        return syntax(p, "expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD");
    if (date_parse(arg, 10, &a) < 0 || (!single && date_parse(arg + 12, 10, &b) < 0))
        return syntax(p, "not a valid date");
    if (single)
        b = a;
    if (a < p->first || b > p->last || b < p->first || a > p->last)
        return syntax(p, "date outside the declared year");
    if (b < a)
        return syntax(p, "range ends before it starts");
    *ret_a = a;
    *ret_b = b;
    return 0;
}

static int parse_days_line(struct parser *p, const char *arg, size_t n, bool work)
{
    date_t a = 0, b = 0; /* set on success; zeroed for -Wmaybe-uninitialized */
    int r = parse_range(p, arg, n, &a, &b);
    if (r < 0)
        return r;
    for (date_t d = a; d <= b; d++) {
        unsigned i = (unsigned)(d - p->first);
        if (work && !is_weekend(d))
            return syntax(p, "'work' names a weekday, which is working anyway");
        if (bit_get(work ? p->listed_off : p->listed_work, i))
            return syntax(p, "a day is both 'off' and 'work'");
        bit_set(work ? p->listed_work : p->listed_off, i);
    }
    return 0;
}

static int parse_directive(struct parser *p, const char *kw, size_t kn, const char *arg, size_t n)
{
    if (word_is(kw, kn, "year"))
        return parse_year_line(p, arg, n);
    if (!word_is(kw, kn, "decree") && !word_is(kw, kn, "off") && !word_is(kw, kn, "work"))
        return syntax(p, "unknown directive (expected year, decree, off or work)");
    if (p->y.year == 0)
        return syntax(p, "the 'year' line must come first");
    if (word_is(kw, kn, "decree"))
        return parse_decree_line(p, arg, n);
    return parse_days_line(p, arg, n, word_is(kw, kn, "work"));
}

/* One line without its '\n': strip '\r', comment and blanks, then split it
 * into a keyword and its argument. */
static int parse_line(struct parser *p, const char *s, size_t n)
{
    if (n > 0 && s[n - 1] == '\r')
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return syntax(p, "control character");
    }
    const char *hash = memchr(s, '#', n);
    if (hash)
        n = (size_t)(hash - s);
    while (n > 0 && is_space(s[n - 1]))
        n--;
    size_t kb = 0;
    while (kb < n && is_space(s[kb]))
        kb++;
    if (kb == n)
        return 0;
    size_t ke = kb;
    while (ke < n && !is_space(s[ke]))
        ke++;
    size_t ab = ke;
    while (ab < n && is_space(s[ab]))
        ab++;
    return parse_directive(p, s + kb, ke - kb, s + ab, n - ab);
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        p->line++;
        int r = parse_line(p, text + pos, end - pos);
        if (r < 0)
            return r;
        pos = end + 1;
    }
    if (p->y.year == 0)
        return err_set(p->err, -EINVAL, "calendar_syntax", "calendar text has no 'year' line");
    return 0;
}

/* Final answer per day: weekends unless made working, plus listed days off. */
static void finish_year(struct parser *p)
{
    for (date_t d = p->first; d <= p->last; d++) {
        unsigned i = (unsigned)(d - p->first);
        bool weekend_off = is_weekend(d) && !bit_get(p->listed_work, i);
        if (weekend_off || bit_get(p->listed_off, i))
            bit_set(p->y.off, i);
    }
}

/* ------------------------------------------------------------ the API */

calendar_t *calendar_new(void)
{
    return calloc(1, sizeof(calendar_t));
}

void calendar_free(calendar_t *cal)
{
    if (!cal)
        return;
    free(cal->years);
    free(cal);
}

static int insert_year(calendar_t *cal, const struct cal_year *y, err_t *err)
{
    size_t i = lower_bound(cal, y->year);
    if (i < cal->n && cal->years[i].year == y->year)
        return err_set(err, -EEXIST, "calendar_year_loaded", "calendar year %d is already loaded", y->year);
    if (cal->n == cal->cap) {
        size_t cap = cal->cap ? cal->cap * 2 : 4;
        struct cal_year *years = realloc(cal->years, cap * sizeof *years);
        if (!years)
            return err_set(err, -ENOMEM, "out_of_memory", "out of memory loading a calendar");
        cal->years = years;
        cal->cap = cap;
    }
    memmove(&cal->years[i + 1], &cal->years[i], (cal->n - i) * sizeof *cal->years);
    cal->years[i] = *y;
    cal->n++;
    return 0;
}

int calendar_load_year(calendar_t *cal, const char *text, size_t len, err_t *err)
{
    struct parser p;
    if (!cal || !text)
        return err_set(err, -EINVAL, "calendar_syntax", "no calendar or no calendar text");
    if (len > CALENDAR_TEXT_MAX)
        return err_set(err, -EINVAL, "calendar_syntax", "calendar text is longer than %d bytes", CALENDAR_TEXT_MAX);
    memset(&p, 0, sizeof p);
    p.err = err;
    int r = parse_text(&p, text, len);
    if (r < 0)
        return r;
    finish_year(&p);
    return insert_year(cal, &p.y, err);
}

bool calendar_has_year(const calendar_t *cal, int year)
{
    return find_year(cal, year) != NULL;
}

bool calendar_is_working_day(const calendar_t *cal, date_t d, bool *ret_provisional)
{
    struct year_view v;
    if (d < date_from_ymd(ARITH_FIRST_YEAR, 1, 1) || d > date_from_ymd(DOMAIN_LAST_YEAR, 12, 31)) {
        if (ret_provisional)
            *ret_provisional = true;
        return !is_weekend(d);
    }
    view_year(cal, year_of(d), &v);
    if (ret_provisional)
        *ret_provisional = v.provisional;
    return view_is_working(&v, d);
}

static date_t clamp_date(date_t d)
{
    date_t lo = date_from_ymd(ARITH_FIRST_YEAR, 1, 1);
    date_t hi = date_from_ymd(ARITH_LAST_YEAR, 12, 31);
    return d < lo ? lo : d > hi ? hi : d;
}

date_t calendar_add_working_days(const calendar_t *cal, date_t from, int n, bool *ret_provisional)
{
    struct year_view v;
    bool provisional = false;
    date_t d = clamp_date(from);
    if (n > CALENDAR_MAX_WORKING_DAYS)
        n = CALENDAR_MAX_WORKING_DAYS;
    view_year(cal, year_of(d), &v);
    while (n > 0) {
        d++;
        if (d > v.last)
            view_year(cal, year_of(d), &v);
        provisional |= v.provisional;
        if (view_is_working(&v, d))
            n--;
    }
    if (ret_provisional && provisional)
        *ret_provisional = true;
    return d;
}

int calendar_count_working_days(const calendar_t *cal, date_t from, date_t to, bool *ret_provisional)
{
    struct year_view v;
    bool provisional = false;
    int count = 0;
    date_t lo = clamp_date(INT32_MIN), hi = clamp_date(INT32_MAX);
    if (to < from || to < lo || from > hi)
        return 0;
    from = from < lo ? lo : from;
    to = to > hi ? hi : to;
    view_year(cal, year_of(from), &v);
    for (date_t d = from; d <= to; d++) {
        if (d > v.last)
            view_year(cal, year_of(d), &v);
        provisional |= v.provisional;
        count += view_is_working(&v, d);
    }
    if (ret_provisional && provisional)
        *ret_provisional = true;
    return count;
}

const char *calendar_decree(const calendar_t *cal, int year)
{
    const struct cal_year *y = find_year(cal, year);
    return y && y->has_decree ? y->decree : NULL;
}
