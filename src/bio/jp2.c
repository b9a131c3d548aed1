/* jp2: JPEG 2000 decode and lossless encode over libopenjp2 (see jp2.h). */
#include "bio/jp2.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openjpeg.h>

#include "base/limits.h"

static const uint8_t JP2_SIG[12] = {0, 0, 0, 0x0c, 'j', 'P', ' ', ' ', 0x0d, 0x0a, 0x87, 0x0a};

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

jp2_format_t jp2_sniff(const uint8_t *buf, size_t len)
{
    if (!buf)
        return JP2_NONE;
    if (len >= sizeof JP2_SIG && memcmp(buf, JP2_SIG, sizeof JP2_SIG) == 0)
        return JP2_FILE;
    if (len >= 4 && buf[0] == 0xFF && buf[1] == 0x4F && buf[2] == 0xFF && buf[3] == 0x51)
        return JP2_CODESTREAM;
    return JP2_NONE;
}

/* ---- the header, read by hand ---- */

/* One box at buf[at..len): its type, where its contents start and end.
 * 0 or -EINVAL (runs past the end, a length shorter than its header). */
static int box_at(const uint8_t *buf, size_t len, size_t at, uint32_t *ret_type, size_t *ret_body, size_t *ret_end)
{
    if (len - at < 8)
        return -EINVAL;
    uint64_t lbox = rd32(buf + at), hdr = 8;
    if (lbox == 1) {
        if (len - at < 16)
            return -EINVAL;
        lbox = rd64(buf + at + 8);
        hdr = 16;
    } else if (lbox == 0) {
        lbox = len - at; /* to the end of the file */
    }
    if (lbox < hdr || lbox > len - at)
        return -EINVAL;
    *ret_type = rd32(buf + at + 4);
    *ret_body = at + (size_t)hdr;
    *ret_end = at + (size_t)lbox;
    return 0;
}

#define BOX(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* The JP2 header box: refuses a palette (pclr), and an image header (ihdr)
 * with more components than a capture has. */
static int jp2_header_box(const uint8_t *buf, size_t body, size_t end, err_t *err)
{
    size_t at = body;
    for (int n = 0; at < end; n++) {
        uint32_t type;
        size_t b, e;
        if (n >= JP2_MAX_BOXES || box_at(buf, end, at, &type, &b, &e) < 0)
            return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 header box is malformed");
        if (type == BOX('p', 'c', 'l', 'r'))
            return err_set(err, -EINVAL, "image_unreadable", "a JPEG 2000 palette image is not a capture");
        if (type == BOX('i', 'h', 'd', 'r') && (e - b < 14 || rd16(buf + b + 8) == 0))
            return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image header is malformed");
        if (type == BOX('i', 'h', 'd', 'r') && rd16(buf + b + 8) > JP2_MAX_COMPONENTS)
            return err_set(err, -EINVAL, "image_unreadable", "a JPEG 2000 image of %u components is not a capture",
                (unsigned)rd16(buf + b + 8));
        at = e;
    }
    return 0;
}

/* Where the codestream lies in a JP2 file: the contents of its jp2c box. */
static int find_codestream(const uint8_t *buf, size_t len, size_t *ret_at, err_t *err)
{
    size_t at = sizeof JP2_SIG;
    for (int n = 0; n < JP2_MAX_BOXES && at < len; n++) {
        uint32_t type;
        size_t b, e;
        if (box_at(buf, len, at, &type, &b, &e) < 0)
            return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 file's boxes are malformed");
        if (type == BOX('j', 'p', '2', 'h')) {
            int rc = jp2_header_box(buf, b, e, err);
            if (rc < 0)
                return rc;
        }
        if (type == BOX('j', 'p', '2', 'c')) {
            *ret_at = b;
            return 0;
        }
        at = e;
    }
    return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 file holds no codestream");
}

/* SOC, then SIZ (ISO/IEC 15444-1 A.5.1) at cs[0..n). */
static int read_siz(const uint8_t *cs, size_t n, jp2_info_t *ret, err_t *err)
{
    if (n < 4 + 38 + 3 || rd16(cs) != 0xFF4F || rd16(cs + 2) != 0xFF51)
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 codestream does not start with SOC and SIZ");
    const uint8_t *s = cs + 4;
    uint32_t lsiz = rd16(s), csiz = rd16(s + 36);
    uint64_t xsiz = rd32(s + 4), ysiz = rd32(s + 8), xo = rd32(s + 12), yo = rd32(s + 16);
    uint64_t xt = rd32(s + 20), yt = rd32(s + 24), xto = rd32(s + 28), yto = rd32(s + 32);
    if (csiz == 0 || lsiz != 38 + 3 * csiz || n - 4 < lsiz)
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 SIZ marker is malformed");
    if (xsiz <= xo || ysiz <= yo || xt == 0 || yt == 0 || xto > xo || yto > yo || xto + xt <= xo || yto + yt <= yo)
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image or tile grid is empty or inconsistent");
    if (csiz > JP2_MAX_COMPONENTS)
        return err_set(
            err, -EINVAL, "image_unreadable", "a JPEG 2000 image of %u components is not a capture", (unsigned)csiz);
    uint64_t w = xsiz - xo, h = ysiz - yo;
    if (w > LIMIT_RASTER_SIDE || h > LIMIT_RASTER_SIDE || w * h > LIMIT_RASTER_PIXELS ||
        w * h * csiz > LIMIT_RASTER_PIXELS)
        return err_set(err, -ERANGE, "image_too_large", "the image is too large (%llu x %llu, %u components)",
            (unsigned long long)w, (unsigned long long)h, (unsigned)csiz);
    uint64_t tiles = ((xsiz - xto + xt - 1) / xt) * ((ysiz - yto + yt - 1) / yt);
    if (tiles > JP2_MAX_TILES)
        return err_set(err, -ERANGE, "image_too_large", "the JPEG 2000 image has more than %d tiles", JP2_MAX_TILES);
    uint32_t prec = 0;
    for (uint32_t c = 0; c < csiz; c++) {
        const uint8_t *p = s + 38 + 3 * c;
        uint32_t bits = (uint32_t)(p[0] & 0x7f) + 1;
        if (bits > JP2_MAX_PRECISION)
            return err_set(
                err, -EINVAL, "image_unreadable", "JPEG 2000 samples of %u bits are not a capture's", (unsigned)bits);
        if (p[1] != 1 || p[2] != 1)
            return err_set(err, -EINVAL, "image_unreadable", "subsampled JPEG 2000 components are not supported");
        prec = bits > prec ? bits : prec;
    }
    *ret = (jp2_info_t){
        .width = (uint32_t)w, .height = (uint32_t)h, .components = csiz, .precision = prec, .tiles = (uint32_t)tiles};
    return 0;
}

int jp2_info(const uint8_t *buf, size_t len, jp2_info_t *ret, err_t *err)
{
    jp2_format_t f = jp2_sniff(buf, len);
    if (f == JP2_NONE)
        return err_set(err, -EINVAL, "image_unreadable", "the image is not JPEG 2000");
    if (len > LIMIT_RASTER_ENCODED_BYTES)
        return err_set(err, -ERANGE, "image_too_large", "the image is too large");
    size_t at = 0;
    int rc = f == JP2_FILE ? find_codestream(buf, len, &at, err) : 0;
    jp2_info_t info;
    if (rc == 0)
        rc = read_siz(buf + at, len - at, &info, err);
    if (rc < 0)
        return rc;
    info.format = f;
    *ret = info;
    return 0;
}

/* ---- libopenjp2 ---- */

/* The bytes libopenjp2 reads, or the buffer it writes. */
struct mem {
    uint8_t *p;      /* the bytes (borrowed when reading, owned when writing) */
    size_t len, pos; /* len: bytes held; pos: where the codec is */
    size_t cap;      /* writing: allocated bytes */
    bool input;      /* reading: never past len */
};

static OPJ_SIZE_T mem_read(void *dst, OPJ_SIZE_T n, void *user)
{
    struct mem *m = user;
    if (m->pos >= m->len)
        return (OPJ_SIZE_T)-1;
    size_t k = m->len - m->pos < n ? m->len - m->pos : n;
    memcpy(dst, m->p + m->pos, k);
    m->pos += k;
    return k;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T n, void *user)
{
    struct mem *m = user;
    if (n < 0) {
        if ((uint64_t)-n > m->pos)
            return -1;
        m->pos -= (size_t)-n;
        return n;
    }
    if (m->input && (uint64_t)n > m->len - m->pos)
        return -1;
    /* writing may skip past the end (the JP2 writer reserves box headers) */
    if ((uint64_t)n > LIMIT_RASTER_ENCODED_BYTES || m->pos + (size_t)n > LIMIT_RASTER_ENCODED_BYTES)
        return -1;
    m->pos += (size_t)n;
    return n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T n, void *user)
{
    struct mem *m = user;
    if (n < 0 || (uint64_t)n > LIMIT_RASTER_ENCODED_BYTES || (m->input && (uint64_t)n > m->len))
        return OPJ_FALSE;
    m->pos = (size_t)n;
    return OPJ_TRUE;
}

static OPJ_SIZE_T mem_write(void *src, OPJ_SIZE_T n, void *user)
{
    struct mem *m = user;
    if (n > LIMIT_RASTER_ENCODED_BYTES || m->pos + n > LIMIT_RASTER_ENCODED_BYTES)
        return (OPJ_SIZE_T)-1;
    size_t need = m->pos + n;
    if (need > m->cap) {
        size_t cap = m->cap ? m->cap : 64 * 1024;
        while (cap < need)
            cap *= 2;
        uint8_t *p = realloc(m->p, cap);
        if (!p)
            return (OPJ_SIZE_T)-1;
        if (cap > m->cap)
            memset(p + m->cap, 0, cap - m->cap);
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->pos, src, n);
    m->pos += n;
    if (m->pos > m->len)
        m->len = m->pos;
    return n;
}

static opj_stream_t *mem_stream(struct mem *m, bool input)
{
    m->input = input;
    opj_stream_t *s = opj_stream_create(64 * 1024, input ? OPJ_TRUE : OPJ_FALSE);
    if (!s)
        return NULL;
    opj_stream_set_user_data(s, m, NULL);
    opj_stream_set_user_data_length(s, m->len);
    if (input)
        opj_stream_set_read_function(s, mem_read);
    else
        opj_stream_set_write_function(s, mem_write);
    opj_stream_set_skip_function(s, mem_skip);
    opj_stream_set_seek_function(s, mem_seek);
    return s;
}

/* libopenjp2's messages: nothing reaches stderr; the first error is kept
 * for err->msg. */
struct quiet {
    char first[160];
};

static void on_error(const char *msg, void *user)
{
    struct quiet *q = user;
    if (q->first[0] || !msg)
        return;
    snprintf(q->first, sizeof q->first, "%s", msg);
    size_t n = strlen(q->first);
    while (n > 0 && (q->first[n - 1] == '\n' || q->first[n - 1] == '\r'))
        q->first[--n] = '\0';
}

static void on_nothing(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

static void quiet_codec(opj_codec_t *c, struct quiet *q)
{
    opj_set_info_handler(c, on_nothing, q);
    opj_set_warning_handler(c, on_nothing, q);
    opj_set_error_handler(c, on_error, q);
}

static int corrupt(err_t *err, const struct quiet *q)
{
    if (q->first[0])
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image is corrupt (%s)", q->first);
    return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image is corrupt");
}

/* A component's sample at i as 0..255. */
static uint8_t sample8(const opj_image_comp_t *c, size_t i)
{
    int64_t max = ((int64_t)1 << c->prec) - 1;
    int64_t v = c->data[i];
    if (c->sgnd)
        v += (int64_t)1 << (c->prec - 1);
    v = v < 0 ? 0 : v > max ? max : v;
    return (uint8_t)((v * 255 + max / 2) / max);
}

/* The decoded image into a raster of `want` channels (0: as held). */
static int to_raster(const opj_image_t *im, const jp2_info_t *info, uint32_t want, raster_t **ret, err_t *err)
{
    uint32_t nc = im->numcomps;
    if (nc != info->components || im->x1 - im->x0 != info->width || im->y1 - im->y0 != info->height)
        return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image decoded to another shape");
    for (uint32_t c = 0; c < nc; c++) {
        const opj_image_comp_t *k = &im->comps[c];
        if (!k->data || k->w != info->width || k->h != info->height || k->prec < 1 || k->prec > JP2_MAX_PRECISION)
            return err_set(err, -EINVAL, "image_unreadable", "the JPEG 2000 image decoded to another shape");
    }
    if (im->color_space == OPJ_CLRSPC_SYCC || im->color_space == OPJ_CLRSPC_EYCC || im->color_space == OPJ_CLRSPC_CMYK)
        return err_set(err, -EINVAL, "image_unreadable", "JPEG 2000 in YCC or CMYK colour is not supported");
    bool alpha = nc == 2 || nc == 4;
    uint32_t colours = alpha ? nc - 1 : nc; /* 1 grey or 3 RGB */
    if (colours != 1 && colours != 3)
        return err_set(err, -EINVAL, "image_unreadable", "a JPEG 2000 image of %u components is not a capture", nc);
    uint32_t channels = want ? want : colours;
    raster_t *r = NULL;
    int rc = raster_new(info->width, info->height, channels, 0, &r);
    if (rc < 0)
        return rc == -ENOMEM ? err_set(err, rc, "image_unreadable", "cannot allocate the image")
                             : err_set(err, rc, "image_too_large", "the image is too large");
    size_t n = (size_t)info->width * info->height;
    for (size_t i = 0; i < n; i++) {
        uint32_t rgb[3];
        for (uint32_t c = 0; c < 3; c++)
            rgb[c] = sample8(&im->comps[colours == 3 ? c : 0], i);
        if (alpha) {
            uint32_t a = sample8(&im->comps[nc - 1], i);
            for (uint32_t c = 0; c < 3; c++)
                rgb[c] = (rgb[c] * a + 255u * (255u - a) + 127u) / 255u;
        }
        if (channels == 3) {
            for (uint32_t c = 0; c < 3; c++)
                r->pix[3 * i + c] = (uint8_t)rgb[c];
        } else if (colours == 1) {
            r->pix[i] = (uint8_t)rgb[0];
        } else {
            r->pix[i] = (uint8_t)((299u * rgb[0] + 587u * rgb[1] + 114u * rgb[2] + 500u) / 1000u);
        }
    }
    *ret = r;
    return 0;
}

int jp2_decode(const uint8_t *buf, size_t len, uint32_t want_channels, raster_t **ret, err_t *err)
{
    if (!buf || want_channels == 2 || want_channels > 3)
        return err_set(err, -EINVAL, "image_unreadable", "no image");
    jp2_info_t info;
    int rc = jp2_info(buf, len, &info, err);
    if (rc < 0)
        return rc;
    struct mem m = {.p = (uint8_t *)buf, .len = len}; /* only read */
    struct quiet q = {{0}};
    opj_codec_t *codec = opj_create_decompress(info.format == JP2_FILE ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_stream_t *s = mem_stream(&m, true);
    opj_image_t *im = NULL;
    opj_dparameters_t par;
    if (!codec || !s) {
        rc = err_set(err, -ENOMEM, "image_unreadable", "cannot start the JPEG 2000 decoder");
        goto out;
    }
    quiet_codec(codec, &q);
    opj_set_default_decoder_parameters(&par);
    if (!opj_setup_decoder(codec, &par) || !opj_decoder_set_strict_mode(codec, OPJ_TRUE) ||
        !opj_codec_set_threads(codec, 1) || !opj_read_header(s, codec, &im) || !im || !opj_decode(codec, s, im) ||
        !opj_end_decompress(codec, s)) {
        rc = corrupt(err, &q);
        goto out;
    }
    rc = to_raster(im, &info, want_channels, ret, err);
out:
    opj_image_destroy(im);
    opj_stream_destroy(s);
    opj_destroy_codec(codec);
    return rc;
}

/* Resolutions of the wavelet for a w x h image: 6 (5 levels, the
 * default), fewer for a small image (each level halves the smaller side). */
static int resolutions(uint32_t w, uint32_t h)
{
    uint32_t side = w < h ? w : h;
    int n = 1;
    while (n < 6 && (side >> n) >= 1)
        n++;
    return n;
}

int jp2_encode_lossless(const raster_t *r, uint8_t **ret_buf, size_t *ret_len, err_t *err)
{
    if (!r || (r->channels != 1 && r->channels != 3))
        return err_set(err, -EINVAL, "image_unreadable", "no image");
    opj_image_cmptparm_t cp[3];
    memset(cp, 0, sizeof cp);
    for (uint32_t c = 0; c < r->channels; c++)
        cp[c] = (opj_image_cmptparm_t){.dx = 1, .dy = 1, .w = r->width, .h = r->height, .prec = 8, .sgnd = 0};
    opj_image_t *im = opj_image_create(r->channels, cp, r->channels == 1 ? OPJ_CLRSPC_GRAY : OPJ_CLRSPC_SRGB);
    opj_codec_t *codec = opj_create_compress(OPJ_CODEC_JP2);
    struct mem m = {0};
    opj_stream_t *s = mem_stream(&m, false);
    struct quiet q = {{0}};
    opj_cparameters_t par;
    int rc = 0;
    if (!im || !codec || !s) {
        rc = err_set(err, -ENOMEM, "out_of_memory", "cannot start the JPEG 2000 encoder");
        goto out;
    }
    im->x1 = r->width;
    im->y1 = r->height;
    size_t n = (size_t)r->width * r->height;
    for (uint32_t c = 0; c < r->channels; c++)
        for (size_t i = 0; i < n; i++)
            im->comps[c].data[i] = r->pix[i * r->channels + c];
    quiet_codec(codec, &q);
    opj_set_default_encoder_parameters(&par);
    par.tcp_numlayers = 1;
    par.tcp_rates[0] = 0; /* lossless */
    par.cp_disto_alloc = 1;
    par.irreversible = 0;
    par.tcp_mct = r->channels == 3 ? 1 : 0;
    par.numresolution = resolutions(r->width, r->height);
    if (!opj_setup_encoder(codec, &par, im) || !opj_start_compress(codec, im, s) || !opj_encode(codec, s) ||
        !opj_end_compress(codec, s)) {
        rc = err_set(err, -EIO, "image_unreadable", "the JPEG 2000 encoder failed%s%s%s", q.first[0] ? " (" : "",
            q.first, q.first[0] ? ")" : "");
        goto out;
    }
    *ret_buf = m.p;
    *ret_len = m.len;
    m.p = NULL;
out:
    opj_stream_destroy(s);
    opj_destroy_codec(codec);
    opj_image_destroy(im);
    free(m.p);
    return rc;
}
