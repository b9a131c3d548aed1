/* The ANSI/NIST-ITL reader (traditional encoding) and the look-ups shared
 * with the writer. See an2k.h for the contract and docs/ANSI-NIST.md.
 *
 * Invariant of the parser: every index into the buffer is checked against
 * the bytes that remain before it is used; a record is located by its LEN
 * alone (never by scanning image bytes for FS), and its last byte must then
 * be the FS for tagged records. */
#include "bio/an2k.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/parse.h"
#include "base/utf8.h"

/* Record types the standard defines (1-2011 with Updates 2013 and 2015). */
static bool type_defined(unsigned t)
{
    return (t >= 1 && t <= 22) || t == 98 || t == 99;
}

static bool type_binary(unsigned t)
{
    return t >= 3 && t <= 8;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static uint32_t be16(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Parses "T.NNN:" at p[*pos..n). Returns 0 and advances *pos past ':'. */
static int parse_tag(const uint8_t *p, size_t n, size_t *pos, unsigned *ret_type, unsigned *ret_num)
{
    size_t i = *pos, s = i;
    while (i < n && is_digit(p[i]) && i - s < 3)
        i++;
    if (i == s || i >= n || p[i] != '.')
        return -EINVAL;
    uint64_t type;
    if (parse_u64((const char *)p + s, i - s, 0, 999, &type) < 0)
        return -EINVAL;
    size_t f = ++i;
    while (i < n && is_digit(p[i]) && i - f < 3)
        i++;
    if (i == f || i >= n || p[i] != ':')
        return -EINVAL;
    uint64_t num;
    if (parse_u64((const char *)p + f, i - f, 1, 999, &num) < 0)
        return -EINVAL;
    *pos = i + 1;
    *ret_type = (unsigned)type;
    *ret_num = (unsigned)num;
    return 0;
}

/* True when p[0..n) begins like a field tag: 1-3 digits '.' 1-3 digits ':'.
 * An item that does is a field whose GS was damaged into an RS or US. */
static bool looks_like_tag(const uint8_t *p, size_t n)
{
    size_t pos = 0;
    unsigned t, f;
    return parse_tag(p, n, &pos, &t, &f) == 0;
}

static int num_of(const uint8_t *p, size_t n, uint64_t max, uint64_t *ret)
{
    return parse_u64((const char *)p, n, 0, max, ret);
}

/* ----------------------------------------------------- items of a field */

size_t an2k_field_subfields(const struct an2k_field *f)
{
    size_t n = 1;
    for (size_t i = 0; i < f->len; i++)
        if (f->value[i] == AN2K_RS)
            n++;
    return n;
}

/* Bounds of subfield sub in f: [*ret_s, *ret_e). */
static int subfield_bounds(const struct an2k_field *f, size_t sub, size_t *ret_s, size_t *ret_e)
{
    size_t s = 0, k = 0;
    for (size_t i = 0; i <= f->len; i++) {
        if (i == f->len || f->value[i] == AN2K_RS) {
            if (k == sub) {
                *ret_s = s;
                *ret_e = i;
                return 0;
            }
            k++;
            s = i + 1;
        }
    }
    return -ENOENT;
}

size_t an2k_field_items(const struct an2k_field *f, size_t sub)
{
    size_t s, e;
    if (subfield_bounds(f, sub, &s, &e) < 0)
        return 0;
    size_t n = 1;
    for (size_t i = s; i < e; i++)
        if (f->value[i] == AN2K_US)
            n++;
    return n;
}

int an2k_field_item(const struct an2k_field *f, size_t sub, size_t item, const uint8_t **ret_p, size_t *ret_len)
{
    size_t s, e;
    if (subfield_bounds(f, sub, &s, &e) < 0)
        return -ENOENT;
    size_t is = s, k = 0;
    for (size_t i = s; i <= e; i++) {
        if (i == e || f->value[i] == AN2K_US) {
            if (k == item) {
                *ret_p = f->value + is;
                *ret_len = i - is;
                return 0;
            }
            k++;
            is = i + 1;
        }
    }
    return -ENOENT;
}

const struct an2k_field *an2k_field_get(const struct an2k_record *r, unsigned num)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (r->fields[i].num == num)
            return &r->fields[i];
    return NULL;
}

/* The single item of a one-item field, or -EINVAL. */
static int single(const struct an2k_field *f, const uint8_t **ret_p, size_t *ret_len)
{
    if (!f || an2k_field_subfields(f) != 1 || an2k_field_items(f, 0) != 1)
        return -EINVAL;
    return an2k_field_item(f, 0, 0, ret_p, ret_len);
}

static int field_u64(const struct an2k_record *r, unsigned num, uint64_t max, uint64_t *ret)
{
    const uint8_t *p;
    size_t n;
    if (single(an2k_field_get(r, num), &p, &n) < 0)
        return -EINVAL;
    return num_of(p, n, max, ret);
}

/* ------------------------------------------------------------- records */

static int push_field(struct an2k_record *r, size_t *cap, struct an2k_field f, err_t *err)
{
    if (r->nfields == *cap) {
        if (*cap >= LIMIT_AN2K_FIELDS)
            return err_set(
                err, -ERANGE, "an2k_limit", "a Type-%u record has more than %d fields", r->type, LIMIT_AN2K_FIELDS);
        size_t ncap = *cap ? *cap * 2 : 16;
        if (ncap > LIMIT_AN2K_FIELDS)
            ncap = LIMIT_AN2K_FIELDS;
        struct an2k_field *nf = realloc(r->fields, ncap * sizeof(*nf));
        if (!nf)
            return err_set(err, -ENOMEM, NULL, "out of memory");
        r->fields = nf;
        *cap = ncap;
    }
    r->fields[r->nfields++] = f;
    return 0;
}

/* Parses the tagged record at p[0..avail) that CNT says is of `type`; fills
 * r (fields allocated). */
static int parse_tagged(
    const uint8_t *p, size_t avail, unsigned type, unsigned flags, struct an2k_record *r, err_t *err)
{
    size_t pos = 0;
    unsigned tt, num;
    int rc;

    if (avail == 0)
        return err_set(err, -EINVAL, "an2k_truncated", "the data ends before the Type-%u record", type);
    if (parse_tag(p, avail, &pos, &tt, &num) < 0) {
        /* A tag cut by the end of the buffer is a truncation, not a bad tag. */
        bool cut = true;
        for (size_t i = 0; i < avail && cut; i++)
            if (!is_digit(p[i]) && p[i] != '.')
                cut = false;
        return err_set(err, -EINVAL, cut ? "an2k_truncated" : "an2k_tag",
            cut ? "the data ends inside the first tag of a Type-%u record"
                : "the Type-%u record does not start with a T.001 tag",
            type);
    }
    if (num != 1)
        return err_set(err, -EINVAL, "an2k_tag", "the Type-%u record does not start with LEN", type);
    if (tt != type)
        return err_set(err, -EINVAL, "an2k_cnt", "CNT lists a Type-%u record where a Type-%u one is", type, tt);
    size_t ls = pos;
    while (pos < avail && is_digit(p[pos]) && pos - ls <= 10)
        pos++;
    if (pos >= avail)
        return err_set(err, -EINVAL, "an2k_truncated", "the data ends inside a Type-%u LEN", type);
    if (p[pos] != AN2K_GS || pos == ls)
        return err_set(err, -EINVAL, "an2k_len", "the LEN of a Type-%u record is not a number", type);
    uint64_t len;
    if (num_of(p + ls, pos - ls, LIMIT_AN2K_BYTES, &len) < 0)
        return err_set(err, -EINVAL, "an2k_len", "the LEN of a Type-%u record is out of range", type);
    pos++; /* GS */
    if (len <= pos + 1)
        return err_set(err, -EINVAL, "an2k_len", "the LEN of a Type-%u record is too small", type);
    if (len > avail)
        return err_set(err, -EINVAL, "an2k_truncated", "a Type-%u record's LEN runs past the end of the data", type);
    if (p[len - 1] != AN2K_FS)
        return err_set(err, -EINVAL, "an2k_len", "a Type-%u record does not end with FS where its LEN says", type);

    r->type = type;
    r->bytes = p;
    r->len = (size_t)len;
    r->binary = false;
    size_t cap = 0;
    if ((rc = push_field(r, &cap, (struct an2k_field){tt, 1, p + ls, (size_t)(pos - 1 - ls)}, err)) < 0)
        return rc;

    size_t end = (size_t)len - 1; /* the FS */
    while (pos < end) {
        if (parse_tag(p, end, &pos, &tt, &num) < 0)
            return err_set(err, -EINVAL, "an2k_tag", "a field of a Type-%u record has no T.NNN tag", type);
        if (num == 999) {
            r->data = p + pos;
            r->data_len = end - pos;
            if ((rc = push_field(r, &cap, (struct an2k_field){tt, num, p + pos, end - pos}, err)) < 0)
                return rc;
            pos = end;
            break;
        }
        size_t vs = pos;
        while (pos < end && p[pos] != AN2K_GS && p[pos] != AN2K_FS)
            pos++;
        if (pos < end && p[pos] == AN2K_FS)
            return err_set(err, -EINVAL, "an2k_separator", "an FS inside a Type-%u record", type);
        for (size_t i = vs; i < pos; i++)
            if ((p[i] == AN2K_RS || p[i] == AN2K_US) && looks_like_tag(p + i + 1, pos - i - 1))
                return err_set(err, -EINVAL, "an2k_separator",
                    "a field of a Type-%u record holds another field's tag "
                    "after an RS or US (a damaged GS)",
                    type);
        if ((rc = push_field(r, &cap, (struct an2k_field){tt, num, p + vs, pos - vs}, err)) < 0)
            return rc;
        if (pos < end) {
            pos++; /* GS */
            if (pos == end)
                return err_set(err, -EINVAL, "an2k_separator", "a Type-%u record has a GS right before its FS", type);
        }
    }
    if (r->nfields < 2 || r->fields[1].num != 2)
        return err_set(err, -EINVAL, "an2k_tag", "the second field of a Type-%u record is not %s", type,
            type == 1 ? "VER" : "IDC");
    if (flags & AN2K_STRICT) {
        for (size_t i = 0; i < r->nfields; i++) {
            if (r->fields[i].tag_type != type)
                return err_set(
                    err, -EINVAL, "an2k_order", "a Type-%u record has a field tagged for another type", type);
            if (i > 0 && r->fields[i].num <= r->fields[i - 1].num)
                return err_set(err, -EINVAL, "an2k_order", "the fields of a Type-%u record are not ascending", type);
        }
    }
    return 0;
}

static int parse_binary(const uint8_t *p, size_t avail, unsigned type, struct an2k_record *r, err_t *err)
{
    size_t hdr = type == 7 ? 5 : type == 8 ? 12 : 18;
    if (avail < 4)
        return err_set(err, -EINVAL, "an2k_truncated", "the data ends inside a Type-%u LEN", type);
    uint32_t len = be32(p);
    if (len < hdr)
        return err_set(err, -EINVAL, "an2k_len", "a Type-%u record's LEN is shorter than its header", type);
    if (len > avail || avail < hdr)
        return err_set(err, -EINVAL, "an2k_truncated", "a Type-%u record's LEN runs past the end of the data", type);
    r->type = type;
    r->binary = true;
    r->bytes = p;
    r->len = len;
    r->data = p + hdr;
    r->data_len = len - hdr;
    memset(&r->bin, 0, sizeof(r->bin));
    if (type == 7)
        return 0;
    if (type == 8) {
        r->bin.sig = p[5];
        r->bin.srt = p[6];
        r->bin.isr = p[7];
        r->bin.hll = (uint16_t)be16(p + 8);
        r->bin.vll = (uint16_t)be16(p + 10);
        if (r->bin.sig > 1 || r->bin.srt > 2 || r->bin.isr > 1)
            return err_set(err, -EINVAL, "an2k_image", "a Type-8 record has an unknown SIG, SRT or ISR");
        if (r->bin.srt == 2) {
            if (r->data_len < 5 || r->data_len % 5 != 0 || r->data[r->data_len - 1] != 255)
                return err_set(
                    err, -EINVAL, "an2k_image", "a Type-8 vector signature is not whole 5-byte vectors ending in 255");
        } else if (r->bin.srt == 0) {
            size_t want = ((size_t)r->bin.hll + 7) / 8 * r->bin.vll;
            if (r->data_len != want)
                return err_set(err, -EINVAL, "an2k_image", "a Type-8 raster's size does not match HLL x VLL");
        }
        return 0;
    }
    r->bin.imp = p[5];
    memcpy(r->bin.fgp, p + 6, 6);
    r->bin.isr = p[12];
    r->bin.hll = (uint16_t)be16(p + 13);
    r->bin.vll = (uint16_t)be16(p + 15);
    r->bin.gca = p[17];
    if (r->bin.isr > 1)
        return err_set(err, -EINVAL, "an2k_image", "a Type-%u record has an unknown ISR", type);
    if (r->bin.gca == 0) {
        size_t want = (size_t)r->bin.hll * r->bin.vll;
        if (type == 5 || type == 6)
            want = ((size_t)r->bin.hll + 7) / 8 * r->bin.vll;
        if (r->data_len != want)
            return err_set(
                err, -EINVAL, "an2k_image", "an uncompressed Type-%u image's size does not match HLL x VLL", type);
    }
    return 0;
}

/* -------------------------------------------------------------- Type-1 */

static bool all_digits(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return n > 0;
}

static int check_type1(const struct an2k_record *r, unsigned flags, err_t *err)
{
    for (size_t i = 0; i < r->len; i++)
        if (r->bytes[i] >= 0x80)
            return err_set(err, -EINVAL, "an2k_type1", "the Type-1 record is not 7-bit ASCII");
    static const struct {
        unsigned num;
        const char *name;
    } required[] = {
        {2, "VER"}, {3, "CNT"}, {4, "TOT"}, {5, "DAT"}, {7, "DAI"}, {8, "ORI"}, {9, "TCN"}, {11, "NSR"}, {12, "NTR"}};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!an2k_field_get(r, required[i].num))
            return err_set(
                err, -EINVAL, "an2k_type1", "the Type-1 record has no %s (1.%03u)", required[i].name, required[i].num);
    const uint8_t *v;
    size_t n;
    static const unsigned one_item[] = {2, 4, 5, 7, 8, 9, 11, 12, 14};
    for (size_t i = 0; i < sizeof(one_item) / sizeof(one_item[0]); i++) {
        const struct an2k_field *f = an2k_field_get(r, one_item[i]);
        if (f && (single(f, &v, &n) < 0 || n == 0))
            return err_set(err, -EINVAL, "an2k_type1", "field 1.%03u is not one non-empty item", one_item[i]);
    }
    single(an2k_field_get(r, 2), &v, &n);
    if (n != 4 || !all_digits(v, n))
        return err_set(err, -EINVAL, "an2k_type1", "VER (1.002) is not four digits");
    if ((flags & AN2K_STRICT) && memcmp(v, "0502", 4) != 0)
        return err_set(err, -EINVAL, "an2k_type1", "VER (1.002) is not 0502");
    single(an2k_field_get(r, 5), &v, &n);
    if (n != 8 || !all_digits(v, n))
        return err_set(err, -EINVAL, "an2k_type1", "DAT (1.005) is not YYYYMMDD");
    for (unsigned num = 11; num <= 12; num++) {
        single(an2k_field_get(r, num), &v, &n);
        if (n != 5 || !all_digits(v, 2) || v[2] != '.' || !all_digits(v + 3, 2))
            return err_set(err, -EINVAL, "an2k_type1", "1.%03u is not NN.NN", num);
    }
    const struct an2k_field *gmt = an2k_field_get(r, 14);
    if (gmt) {
        single(gmt, &v, &n);
        if (n != 15 || !all_digits(v, 14) || v[14] != 'Z')
            return err_set(err, -EINVAL, "an2k_type1", "GMT (1.014) is not YYYYMMDDHHMMSSZ");
    }
    const struct an2k_field *dom = an2k_field_get(r, 13);
    if (dom && (an2k_field_subfields(dom) != 1 || an2k_field_items(dom, 0) > 2))
        return err_set(err, -EINVAL, "an2k_type1", "DOM (1.013) is not one subfield of 1-2 items");
    const struct an2k_field *dcs = an2k_field_get(r, 15);
    if (dcs) {
        size_t ns = an2k_field_subfields(dcs);
        for (size_t s = 0; s < ns; s++) {
            size_t ni = an2k_field_items(dcs, s);
            if (ni < 2 || ni > 3 || an2k_field_item(dcs, s, 0, &v, &n) < 0 || !all_digits(v, n) || n > 3)
                return err_set(err, -EINVAL, "an2k_type1", "DCS (1.015) is malformed");
        }
    }
    return 0;
}

/* The CSI of the first DCS subfield, or -1. */
static int dcs_index(const struct an2k_record *t1)
{
    const struct an2k_field *dcs = an2k_field_get(t1, 15);
    const uint8_t *v;
    size_t n;
    uint64_t csi;
    if (!dcs || an2k_field_item(dcs, 0, 0, &v, &n) < 0 || num_of(v, n, 999, &csi) < 0)
        return -1;
    return (int)csi;
}

/* ------------------------------------------------------------ the parse */

void an2k_free(struct an2k *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrecords; i++)
        free(t->records[i].fields);
    free(t->records);
    free(t);
}

int an2k_parse(const uint8_t *buf, size_t len, unsigned flags, struct an2k **ret, err_t *err)
{
    int rc;
    if (!buf && len)
        return err_set(err, -EINVAL, "an2k_truncated", "no data");
    if (len > LIMIT_AN2K_BYTES)
        return err_set(err, -ERANGE, "an2k_limit", "the transaction is larger than %d bytes", LIMIT_AN2K_BYTES);
    struct an2k *t = calloc(1, sizeof(*t));
    if (!t)
        return err_set(err, -ENOMEM, NULL, "out of memory");
    t->buf = buf;
    t->len = len;
    t->records = calloc(1, sizeof(*t->records));
    if (!t->records) {
        rc = err_set(err, -ENOMEM, NULL, "out of memory");
        goto out;
    }
    /* Type-1 */
    if (len == 0 || !is_digit(buf[0])) {
        rc = err_set(
            err, -EINVAL, len ? "an2k_type1" : "an2k_truncated", "the transaction does not start with a Type-1 record");
        goto out;
    }
    t->nrecords = 1;
    if ((rc = parse_tagged(buf, len, 1, flags, &t->records[0], err)) < 0) {
        if (strcmp(err ? err->code : "", "an2k_cnt") == 0)
            rc = err_set(err, -EINVAL, "an2k_type1", "the first record is not a Type-1 record");
        goto out;
    }
    struct an2k_record *t1 = &t->records[0];
    if ((rc = check_type1(t1, flags, err)) < 0)
        goto out;

    /* CNT */
    const struct an2k_field *cnt = an2k_field_get(t1, 3);
    size_t nsub = an2k_field_subfields(cnt);
    const uint8_t *v;
    size_t n;
    uint64_t first, count;
    if (an2k_field_items(cnt, 0) != 2 || an2k_field_item(cnt, 0, 0, &v, &n) < 0 || num_of(v, n, 99, &first) < 0 ||
        first != 1 || an2k_field_item(cnt, 0, 1, &v, &n) < 0 || num_of(v, n, 999999, &count) < 0) {
        rc = err_set(err, -EINVAL, "an2k_cnt", "the first subfield of CNT is not 1 and a count");
        goto out;
    }
    if (count + 1 != nsub) {
        rc = err_set(
            err, -EINVAL, "an2k_cnt", "CNT counts %llu records but lists %zu", (unsigned long long)count, nsub - 1);
        goto out;
    }
    if (nsub > LIMIT_AN2K_RECORDS) {
        rc = err_set(err, -ERANGE, "an2k_limit", "CNT lists more than %d records", LIMIT_AN2K_RECORDS);
        goto out;
    }
    struct an2k_record *recs = calloc(nsub, sizeof(*recs));
    if (!recs) {
        rc = err_set(err, -ENOMEM, NULL, "out of memory");
        goto out;
    }
    recs[0] = *t1;
    free(t->records);
    t->records = recs;
    t1 = &recs[0];
    size_t ntype2 = 0;
    for (size_t s = 1; s < nsub; s++) {
        uint64_t type, idc;
        if (an2k_field_items(cnt, s) != 2 || an2k_field_item(cnt, s, 0, &v, &n) < 0 || num_of(v, n, 999, &type) < 0 ||
            an2k_field_item(cnt, s, 1, &v, &n) < 0 || num_of(v, n, 99, &idc) < 0) {
            rc = err_set(err, -EINVAL, "an2k_cnt", "CNT entry %zu is not a record type and an IDC", s);
            goto out;
        }
        if (!type_defined((unsigned)type)) {
            rc = err_set(err, -EINVAL, "an2k_record_type",
                "CNT lists record type %llu, which the standard does not define", (unsigned long long)type);
            goto out;
        }
        if (type == 1) {
            rc = err_set(err, -EINVAL, "an2k_cnt", "CNT lists a second Type-1 record");
            goto out;
        }
        if (type == 2 && ++ntype2 > 1) {
            rc = err_set(err, -EINVAL, "an2k_type2_twice", "CNT lists more than one Type-2 record");
            goto out;
        }
        t->records[s].type = (unsigned)type;
        t->records[s].cnt_idc = t->records[s].idc = (unsigned)idc;
    }

    size_t pos = t1->len;
    for (size_t s = 1; s < nsub; s++) {
        struct an2k_record *r = &t->records[s];
        unsigned idc = r->cnt_idc;
        t->nrecords = s + 1;
        if (pos >= len) {
            rc = err_set(err, -EINVAL, "an2k_truncated", "the data ends before the %zu records CNT lists", nsub - 1);
            goto out;
        }
        if (type_binary(r->type)) {
            rc = parse_binary(buf + pos, len - pos, r->type, r, err);
            if (rc == 0) {
                r->idc = buf[pos + 4];
                if ((flags & AN2K_STRICT) && r->idc != idc)
                    rc = err_set(err, -EINVAL, "an2k_idc", "a Type-%u record's IDC is not CNT's", r->type);
            }
        } else {
            rc = parse_tagged(buf + pos, len - pos, r->type, flags, r, err);
            if (rc == 0) {
                uint64_t ridc;
                const uint8_t *iv;
                size_t in;
                if (single(&r->fields[1], &iv, &in) < 0 || num_of(iv, in, 99, &ridc) < 0)
                    rc = err_set(err, -EINVAL, "an2k_idc", "a Type-%u record's IDC is not a number", r->type);
                else if ((flags & AN2K_STRICT) && ridc != idc)
                    rc = err_set(err, -EINVAL, "an2k_idc", "a Type-%u record's IDC is not CNT's", r->type);
                else
                    r->idc = (unsigned)ridc;
            }
        }
        if (rc < 0)
            goto out;
        pos += r->len;
    }
    if (pos != len) {
        rc = err_set(err, -EINVAL, "an2k_cnt", "%zu bytes follow the last record CNT lists", len - pos);
        goto out;
    }

    if (flags & AN2K_STRICT) {
        int csi = dcs_index(t1);
        for (size_t s = 1; s < t->nrecords; s++) {
            const struct an2k_record *r = &t->records[s];
            for (size_t i = 0; i < r->nfields; i++) {
                const struct an2k_field *f = &r->fields[i];
                if (f->num == 999)
                    continue;
                bool ascii = true;
                for (size_t k = 0; k < f->len; k++)
                    if (f->value[k] >= 0x80)
                        ascii = false;
                if (!ascii && csi != 3) {
                    rc = err_set(err, -EINVAL, "an2k_type1", "non-ASCII text without DCS 3 (UTF-8) in 1.015");
                    goto out;
                }
                if (!ascii && !utf8_valid(f->value, f->len, true)) {
                    rc = err_set(err, -EINVAL, "an2k_separator", "a Type-%u field is not UTF-8", r->type);
                    goto out;
                }
            }
        }
    }
    *ret = t;
    return 0;
out:
    an2k_free(t);
    return rc;
}

/* ----------------------------------------------------------- look-ups */

int an2k_find(const struct an2k *t, unsigned type, size_t nth, size_t *ret_index, err_t *err)
{
    size_t k = 0;
    for (size_t i = 0; i < t->nrecords; i++) {
        if (t->records[i].type != type)
            continue;
        if (k++ == nth) {
            *ret_index = i;
            return 0;
        }
    }
    return err_set(err, -ENOENT, "an2k_no_record", "the transaction has no Type-%u record number %zu", type, nth + 1);
}

static bool type_has_image(unsigned type)
{
    return (type >= 3 && type <= 6) || type == 10 || (type >= 13 && type <= 17);
}

/* A Type-20 (source representation) holds an image when it has the image
 * fields (20.006 HLL on); its source may be audio or text instead. */
static bool record_has_image(const struct an2k_record *r)
{
    return type_has_image(r->type) || (r->type == 20 && !r->binary && an2k_field_get(r, 6));
}

int an2k_first_image(const struct an2k *t, size_t *ret_index, err_t *err)
{
    for (size_t i = 0; i < t->nrecords; i++) {
        if (type_has_image(t->records[i].type) && t->records[i].data) {
            *ret_index = i;
            return 0;
        }
    }
    return err_set(err, -ENOENT, "an2k_no_image", "the transaction has no image record");
}

size_t an2k_minutiae_count(const struct an2k *t, size_t rec)
{
    size_t n = 0;
    if (rec >= t->nrecords)
        return 0;
    for (size_t i = 0; i < t->nrecords; i++)
        if (t->records[i].type == 9 && t->records[i].idc == t->records[rec].idc)
            n++;
    return n;
}

bool an2k_position_is_known(unsigned fgp)
{
    return fgp != 0 && fgp != 18 && fgp != 19 && fgp != 20 && fgp <= 99;
}

static void set_compression(struct an2k_image_info *ii, const char *name)
{
    size_t n = strlen(name);
    if (n >= sizeof(ii->compression))
        n = sizeof(ii->compression) - 1;
    memcpy(ii->compression, name, n);
    ii->compression[n] = '\0';
}

/* "NN.NN" -> hundredths. */
static int centi(const uint8_t *p, size_t n, uint32_t *ret)
{
    uint64_t a, b;
    if (n != 5 || p[2] != '.' || num_of(p, 2, 99, &a) < 0 || num_of(p + 3, 2, 99, &b) < 0)
        return -EINVAL;
    *ret = (uint32_t)(a * 100 + b);
    return 0;
}

static int info_fixed(const struct an2k *t, const struct an2k_record *r, struct an2k_image_info *ii, err_t *err)
{
    static const char *const gca[] = {"NONE", "WSQ20", "JPEGB", "JPEGL", "JP2", "JP2L", "PNG"};
    if (r->type == 3 || r->type == 4) {
        if (r->bin.gca >= sizeof(gca) / sizeof(gca[0]))
            return err_set(err, -EINVAL, "an2k_image", "unknown compression code %u", r->bin.gca);
        set_compression(ii, gca[r->bin.gca]);
        ii->bpp = 8;
    } else {
        if (r->bin.gca > 1)
            return err_set(err, -EINVAL, "an2k_image", "unknown compression code %u", r->bin.gca);
        set_compression(ii, r->bin.gca ? "FAX" : "NONE");
        ii->bpp = 1;
    }
    bool low = r->type == 3 || r->type == 5;
    uint32_t res = 1969; /* minimum scanning resolution, 19.69 px/mm */
    if (r->bin.isr == 1) {
        const uint8_t *v;
        size_t n;
        if (single(an2k_field_get(&t->records[0], 11), &v, &n) < 0 || centi(v, n, &res) < 0)
            return err_set(err, -EINVAL, "an2k_image", "NSR (1.011) is not NN.NN");
    }
    if (low)
        res /= 2; /* half the (minimum or native) resolution: 9.84 px/mm */
    ii->unit = AN2K_RES_PPMM;
    ii->xres100 = ii->yres100 = ii->xscan100 = ii->yscan100 = res;
    ii->width = r->bin.hll;
    ii->height = r->bin.vll;
    ii->impression = r->bin.imp;
    for (size_t i = 0; i < 6 && r->bin.fgp[i] != 255; i++)
        ii->positions[ii->npositions++] = r->bin.fgp[i];
    ii->data = r->data;
    ii->len = r->data_len;
    return 0;
}

static int info_tagged(const struct an2k_record *r, struct an2k_image_info *ii, err_t *err)
{
    uint64_t hll, vll, slc, thps, tvps, bpx = 0, x;
    if (!r->data)
        return err_set(err, -ENOENT, "an2k_no_image", "this Type-%u record carries no image", r->type);
    if (field_u64(r, 6, 99999, &hll) < 0 || field_u64(r, 7, 99999, &vll) < 0 || field_u64(r, 8, 2, &slc) < 0 ||
        field_u64(r, 9, 99999, &thps) < 0 || field_u64(r, 10, 99999, &tvps) < 0)
        return err_set(
            err, -EINVAL, "an2k_image", "a Type-%u record lacks a numeric HLL, VLL, SLC, THPS or TVPS", r->type);
    const uint8_t *v;
    size_t n;
    if (single(an2k_field_get(r, 11), &v, &n) < 0 || n == 0 || n >= sizeof(ii->compression))
        return err_set(err, -EINVAL, "an2k_image", "a Type-%u record has no CGA", r->type);
    memcpy(ii->compression, v, n);
    ii->compression[n] = '\0';
    if (r->type == 10) {
        /* No BPX: the colour space says it. */
        if (single(an2k_field_get(r, 12), &v, &n) == 0) {
            if (n == 4 && memcmp(v, "GRAY", 4) == 0)
                bpx = 8;
            else if ((n == 3 && (memcmp(v, "RGB", 3) == 0 || memcmp(v, "YCC", 3) == 0)) ||
                     (n == 4 && (memcmp(v, "SRGB", 4) == 0 || memcmp(v, "SYCC", 4) == 0)))
                bpx = 24;
        }
        ii->impression = -1;
    } else {
        if (field_u64(r, 12, 99, &bpx) < 0)
            return err_set(err, -EINVAL, "an2k_image", "a Type-%u record has no numeric BPX", r->type);
        ii->impression = -1;
        if (r->type >= 13 && r->type <= 15 && field_u64(r, 3, 99, &x) == 0)
            ii->impression = (int)x;
    }
    ii->width = (uint32_t)hll;
    ii->height = (uint32_t)vll;
    ii->unit = (enum an2k_res_unit)slc;
    ii->xres100 = (uint32_t)thps * 100;
    ii->yres100 = (uint32_t)tvps * 100;
    if (r->type == 10 || (r->type >= 13 && r->type <= 15)) {
        if (field_u64(r, 16, 99999, &x) == 0)
            ii->xscan100 = (uint32_t)x * 100;
        if (field_u64(r, 17, 99999, &x) == 0)
            ii->yscan100 = (uint32_t)x * 100;
    }
    ii->bpp = (unsigned)bpx;
    if (r->type >= 13 && r->type <= 15) {
        const struct an2k_field *fgp = an2k_field_get(r, 13);
        size_t ns = fgp ? an2k_field_subfields(fgp) : 0;
        for (size_t s = 0; s < ns && ii->npositions < AN2K_POSITIONS_MAX; s++) {
            if (an2k_field_item(fgp, s, 0, &v, &n) < 0 || num_of(v, n, 255, &x) < 0)
                return err_set(err, -EINVAL, "an2k_image", "FGP of a Type-%u record is not numeric", r->type);
            ii->positions[ii->npositions++] = (unsigned)x;
        }
    }
    ii->data = r->data;
    ii->len = r->data_len;
    return 0;
}

int an2k_image_info(const struct an2k *t, size_t rec, struct an2k_image_info *ret, err_t *err)
{
    if (rec >= t->nrecords)
        return err_set(err, -ENOENT, "an2k_no_record", "no record number %zu", rec);
    const struct an2k_record *r = &t->records[rec];
    if (!record_has_image(r))
        return err_set(err, -ENOENT, "an2k_no_image", "a Type-%u record carries no image", r->type);
    struct an2k_image_info ii;
    memset(&ii, 0, sizeof(ii));
    ii.type = r->type;
    int rc = r->binary ? info_fixed(t, r, &ii, err) : info_tagged(r, &ii, err);
    if (rc < 0)
        return rc;
    *ret = ii;
    return 0;
}
