#include "nistimg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openjpeg.h>

#define FS 0x1c
#define GS 0x1d
#define RS 0x1e
#define US 0x1f

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *b = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *t = realloc(b, cap);
            if (!t) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = t;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return b;
}

static long num(const unsigned char *p, const unsigned char *end)
{
    long v = 0;
    int any = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < 100000000) {
        v = v * 10 + (*p++ - '0');
        any = 1;
    }
    return any ? v : -1;
}

/* Value of field T.fff in a tagged record [rec, end): pointer and length. */
static const unsigned char *field(const unsigned char *rec, const unsigned char *end, int type, int fno, size_t *vlen)
{
    char tag[16];
    int tl = snprintf(tag, sizeof(tag), "%d.%03d:", type, fno);
    const unsigned char *p = rec;
    while (p < end) {
        const unsigned char *q = p;
        if (end - q > tl && memcmp(q, tag, (size_t)tl) == 0) {
            q += tl;
            if (fno == 999) {
                *vlen = (size_t)(end - 1 - q);
                return q;
            }
            const unsigned char *v = q;
            while (q < end && *q != GS && *q != FS)
                q++;
            *vlen = (size_t)(q - v);
            return v;
        }
        /* Skip to the next field; never into image data (999 is last). */
        if (end - p > 4 && memcmp(p + (p[1] == '.' ? 2 : 3), "999:", 4) == 0)
            return NULL;
        while (p < end && *p != GS && *p != FS)
            p++;
        p++;
    }
    return NULL;
}

typedef struct memsrc {
    const unsigned char *p;
    size_t len, off;
} memsrc_t;

static OPJ_SIZE_T ms_read(void *buf, OPJ_SIZE_T n, void *u)
{
    memsrc_t *m = u;
    if (m->off >= m->len)
        return (OPJ_SIZE_T)-1;
    if (n > m->len - m->off)
        n = m->len - m->off;
    memcpy(buf, m->p + m->off, n);
    m->off += n;
    return n;
}

static OPJ_OFF_T ms_skip(OPJ_OFF_T n, void *u)
{
    memsrc_t *m = u;
    if (n < 0 || (size_t)n > m->len - m->off)
        n = (OPJ_OFF_T)(m->len - m->off);
    m->off += (size_t)n;
    return n;
}

static OPJ_BOOL ms_seek(OPJ_OFF_T n, void *u)
{
    memsrc_t *m = u;
    if (n < 0 || (size_t)n > m->len)
        return OPJ_FALSE;
    m->off = (size_t)n;
    return OPJ_TRUE;
}

static int decode_jp2(const unsigned char *p, size_t len, raster_t **ret)
{
    memsrc_t m = {p, len, 0};
    int is_j2k = len > 4 && p[0] == 0xff && p[1] == 0x4f;
    opj_codec_t *codec = opj_create_decompress(is_j2k ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
    opj_stream_t *st = opj_stream_create(1 << 16, OPJ_TRUE);
    opj_image_t *img = NULL;
    int rc = -EINVAL;
    opj_dparameters_t prm;
    opj_set_default_decoder_parameters(&prm);
    opj_stream_set_user_data(st, &m, NULL);
    opj_stream_set_user_data_length(st, len);
    opj_stream_set_read_function(st, ms_read);
    opj_stream_set_skip_function(st, ms_skip);
    opj_stream_set_seek_function(st, ms_seek);
    if (opj_setup_decoder(codec, &prm) && opj_read_header(st, codec, &img) && opj_decode(codec, st, img) &&
        opj_end_decompress(codec, st) && img->numcomps >= 1) {
        opj_image_comp_t *c = &img->comps[0];
        raster_t *r = NULL;
        rc = raster_new(c->w, c->h, 1, 0, &r);
        if (rc == 0) {
            int shift = c->prec > 8 ? (int)c->prec - 8 : 0;
            for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
                int v = c->data[i] >> shift;
                r->pix[i] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
            }
            *ret = r;
        }
    }
    if (img)
        opj_image_destroy(img);
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    return rc;
}

int nistimg_load(const char *path, int type, int n, raster_t **ret)
{
    size_t len = 0;
    unsigned char *b = slurp(path, &len);
    if (!b)
        return -ENOENT;
    int rc = -ENOENT;
    /* Record types in file order, from Type-1 field 1.003 (CNT). */
    int types[64], ntypes = 0;
    size_t clen = 0;
    const unsigned char *cnt = field(b, b + len, 1, 3, &clen);
    if (!cnt) {
        free(b);
        return -EINVAL;
    }
    const unsigned char *q = cnt, *qe = cnt + clen;
    while (q < qe && *q != RS)
        q++; /* first subfield: 1␟count */
    while (q < qe && ntypes < 64) {
        q++;
        types[ntypes++] = (int)num(q, qe);
        while (q < qe && *q != RS)
            q++;
    }
    size_t off = 0;
    /* Type-1 itself first. */
    for (int i = -1; i < ntypes && off < len; i++) {
        int t = i < 0 ? 1 : types[i];
        const unsigned char *rec = b + off;
        long rlen;
        int binary = t >= 3 && t <= 8;
        if (binary)
            rlen = len - off >= 4 ? (long)((uint32_t)rec[0] << 24 | rec[1] << 16 | rec[2] << 8 | rec[3]) : -1;
        else {
            const unsigned char *c = memchr(rec, ':', len - off > 12 ? 12 : len - off);
            rlen = c ? num(c + 1, b + len) : -1;
        }
        if (rlen <= 0 || (size_t)rlen > len - off) {
            rc = -EINVAL;
            break;
        }
        const unsigned char *end = rec + rlen;
        if (t == type && n-- == 0) {
            if (binary && t == 3 && rlen > 18) {
                uint32_t w = (uint32_t)(rec[13] << 8 | rec[14]), h = (uint32_t)(rec[15] << 8 | rec[16]);
                if (rec[17] != 0) {
                    rc = -ENOTSUP;
                } else if ((size_t)w * h != (size_t)rlen - 18) {
                    rc = -EINVAL;
                } else if ((rc = raster_new(w, h, 1, 0, ret)) == 0) {
                    memcpy((*ret)->pix, rec + 18, (size_t)w * h);
                    (*ret)->ppi = 250; /* Type-3: low resolution, ~250 ppi */
                }
            } else if (!binary) {
                size_t vl;
                const unsigned char *v;
                long hll = (v = field(rec, end, t, 6, &vl)) ? num(v, v + vl) : -1;
                long vll = (v = field(rec, end, t, 7, &vl)) ? num(v, v + vl) : -1;
                long slc = (v = field(rec, end, t, 8, &vl)) ? num(v, v + vl) : -1;
                long hps = (v = field(rec, end, t, 9, &vl)) ? num(v, v + vl) : -1;
                const unsigned char *cga = field(rec, end, t, 11, &vl);
                size_t cgl = vl;
                size_t dl = 0;
                const unsigned char *data = field(rec, end, t, 999, &dl);
                if (hll <= 0 || vll <= 0 || !cga || !data) {
                    rc = -EINVAL;
                } else if (cgl == 4 && memcmp(cga, "NONE", 4) == 0) {
                    if (dl < (size_t)hll * vll)
                        rc = -EINVAL;
                    else if ((rc = raster_new((uint32_t)hll, (uint32_t)vll, 1, 0, ret)) == 0)
                        memcpy((*ret)->pix, data, (size_t)hll * vll);
                } else if (cgl >= 3 && memcmp(cga, "JP2", 3) == 0) {
                    rc = decode_jp2(data, dl, ret);
                } else {
                    rc = -ENOTSUP;
                }
                if (rc == 0)
                    (*ret)->ppi = (uint32_t)(slc == 2 ? hps * 254 / 100 : (slc == 1 ? hps : 500));
            } else {
                rc = -ENOTSUP;
            }
            break;
        }
        off += (size_t)rlen;
    }
    free(b);
    return rc;
}

int nistimg_load_jp2_file(const char *path, raster_t **ret)
{
    size_t len = 0;
    unsigned char *b = slurp(path, &len);
    if (!b)
        return -ENOENT;
    int rc = decode_jp2(b, len, ret);
    free(b);
    return rc;
}
