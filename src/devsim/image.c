/* devsim image helpers (see image.h). */
#include "devsim/image.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "bio/raster.h"

void img_free(struct img *im)
{
    if (!im)
        return;
    free(im->p);
    memset(im, 0, sizeof *im);
}

static int img_alloc(struct img *im, int w, int h, int ch)
{
    im->p = calloc((size_t)w * h * ch, 1);
    if (!im->p)
        return -ENOMEM;
    im->w = w, im->h = h, im->ch = ch;
    return 0;
}

int img_png(const struct img *im, unsigned char **ret, size_t *ret_len)
{
    /* A device answers fast rather than small (uchet keeps what it is
     * sent, and a test waits on every capture). im's pixels are lent to
     * the raster, not copied: the encoder only reads them. */
    const raster_t r = {
        .width = (uint32_t)im->w, .height = (uint32_t)im->h, .channels = (uint32_t)im->ch, .pix = im->p};
    return raster_encode_png_fast(&r, ret, ret_len);
}

struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jb;
};

static void jerr_exit(j_common_ptr c)
{
    longjmp(((struct jerr *)c->err)->jb, 1);
}

int img_jpeg(const struct img *im, int quality, unsigned char **ret, size_t *ret_len)
{
    struct jpeg_compress_struct ci;
    struct jerr je;
    unsigned char *out = NULL;
    unsigned long len = 0;
    ci.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jerr_exit;
    if (setjmp(je.jb)) {
        jpeg_destroy_compress(&ci);
        free(out);
        return -EIO;
    }
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, &out, &len);
    ci.image_width = (JDIMENSION)im->w;
    ci.image_height = (JDIMENSION)im->h;
    ci.input_components = im->ch;
    ci.in_color_space = im->ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, quality, TRUE);
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < ci.image_height) {
        JSAMPROW row = im->p + (size_t)ci.next_scanline * im->w * im->ch;
        jpeg_write_scanlines(&ci, &row, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    *ret = out;
    *ret_len = len;
    return 0;
}

static int load_jpeg(FILE *f, struct img *ret)
{
    struct jpeg_decompress_struct ci;
    struct jerr je;
    struct img im = {0};
    ci.err = jpeg_std_error(&je.mgr);
    je.mgr.error_exit = jerr_exit;
    if (setjmp(je.jb)) {
        jpeg_destroy_decompress(&ci);
        img_free(&im);
        return -EINVAL;
    }
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, f);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    if (ci.output_width > 8192 || ci.output_height > 8192 || ci.output_components != 3 ||
        img_alloc(&im, (int)ci.output_width, (int)ci.output_height, 3) < 0) {
        jpeg_destroy_decompress(&ci);
        return -EINVAL;
    }
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = im.p + (size_t)ci.output_scanline * im.w * 3;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    *ret = im;
    return 0;
}

int img_load_rgb(const char *path, struct img *ret)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -ENOENT;
    unsigned char magic[4] = {0};
    size_t n = fread(magic, 1, 4, f);
    rewind(f);
    int rc;
    if (n == 4 && magic[0] == 0xFF && magic[1] == 0xD8) {
        rc = load_jpeg(f, ret);
        fclose(f);
        return rc;
    }
    fclose(f);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&pi, path))
        return -EINVAL;
    pi.format = PNG_FORMAT_RGB;
    struct img im = {0};
    if (pi.width > 8192 || pi.height > 8192 || img_alloc(&im, (int)pi.width, (int)pi.height, 3) < 0) {
        png_image_free(&pi);
        return -EINVAL;
    }
    if (!png_image_finish_read(&pi, NULL, im.p, 0, NULL)) {
        img_free(&im);
        return -EINVAL;
    }
    *ret = im;
    return 0;
}

int img_png_decode_grey(const unsigned char *buf, size_t len, struct img *ret)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&pi, buf, len))
        return -EINVAL;
    pi.format = PNG_FORMAT_GRAY;
    struct img im = {0};
    if (pi.width > 8192 || pi.height > 8192 || img_alloc(&im, (int)pi.width, (int)pi.height, 1) < 0) {
        png_image_free(&pi);
        return -EINVAL;
    }
    if (!png_image_finish_read(&pi, NULL, im.p, 0, NULL)) {
        img_free(&im);
        return -EINVAL;
    }
    *ret = im;
    return 0;
}

/* Grey value of channel-averaged src at (x, y), nearest neighbour. */
static int grey_at(const struct img *src, int x, int y)
{
    const unsigned char *p = src->p + ((size_t)y * src->w + x) * src->ch;
    return src->ch == 3 ? (p[0] * 30 + p[1] * 59 + p[2] * 11) / 100 : p[0];
}

/* Pastes src scaled to fit w × h at (x0, y0) of the grey dst. */
static void paste_fit(struct img *dst, const struct img *src, int x0, int y0, int w, int h)
{
    double s = fmin((double)w / src->w, (double)h / src->h);
    int dw = (int)(src->w * s), dh = (int)(src->h * s);
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int X = x0 + x, Y = y0 + y;
            if (X < 0 || Y < 0 || X >= dst->w || Y >= dst->h)
                continue;
            int sx = (int)(x / s), sy = (int)(y / s);
            if (sx >= src->w)
                sx = src->w - 1;
            if (sy >= src->h)
                sy = src->h - 1;
            dst->p[(size_t)Y * dst->w + X] = (unsigned char)grey_at(src, sx, sy);
        }
}

int img_data_page(const struct img *portrait, const struct img *mrz, struct img *ret)
{
    struct img page;
    if (img_alloc(&page, 1250, 880, 1) < 0)
        return -ENOMEM;
    for (int y = 0; y < page.h; y++)
        for (int x = 0; x < page.w; x++) /* a faint guilloche-like background */
            page.p[(size_t)y * page.w + x] = (unsigned char)(228 + 4 * sin(x * 0.05 + 3 * sin(y * 0.02)));
    if (portrait)
        paste_fit(&page, portrait, 60, 50, 330, 410);
    for (int i = 0; i < 6; i++) /* printed field rules right of the photo */
        for (int x = 440; x < 1190; x++)
            for (int t = 0; t < 2; t++)
                page.p[(size_t)(90 + 65 * i + t) * page.w + x] = 150;
    paste_fit(&page, mrz, 80, 485, 1100, 390);
    *ret = page;
    return 0;
}

int img_crop(const struct img *im, int x0, int y0, int x1, int y1, struct img *ret)
{
    if (x0 < 0 || y0 < 0 || x1 > im->w || y1 > im->h || x0 >= x1 || y0 >= y1)
        return -EINVAL;
    struct img o;
    if (img_alloc(&o, x1 - x0, y1 - y0, im->ch) < 0)
        return -ENOMEM;
    for (int y = y0; y < y1; y++)
        memcpy(o.p + (size_t)(y - y0) * o.w * o.ch, im->p + ((size_t)y * im->w + x0) * im->ch, (size_t)o.w * o.ch);
    *ret = o;
    return 0;
}

static const char *const VARIANTS[FACEV_VARIANTS] = {
    "good",
    "blur",
    "dark",
    "tilted",
    "too_small",
    "two_faces",
    "busy_background",
};

const char *face_variant_name(enum face_variant v)
{
    return v < FACEV_VARIANTS ? VARIANTS[v] : "?";
}

int face_variant_parse(const char *name)
{
    for (int i = 0; i < FACEV_VARIANTS; i++)
        if (strcmp(name, VARIANTS[i]) == 0)
            return i;
    return -1;
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(mix(s) >> 11) * 0x1p-53;
}

/* Bilinear sample of channel c at (x, y); `bg` outside. */
static double at(const struct img *im, double x, double y, int c, double bg)
{
    if (x < 0 || y < 0 || x > im->w - 1.001 || y > im->h - 1.001)
        return bg;
    int x0 = (int)x, y0 = (int)y;
    double fx = x - x0, fy = y - y0;
    const unsigned char *p = im->p + ((size_t)y0 * im->w + x0) * im->ch + c;
    size_t dx = (size_t)im->ch, dy = (size_t)im->w * im->ch;
    return (1 - fy) * ((1 - fx) * p[0] + fx * p[dx]) + fy * ((1 - fx) * p[dy] + fx * p[dy + dx]);
}

/* Draws src into dst scaled by s, rotated by deg about the centre of the
 * placement, with the source centre at (cx, cy) of dst; mirrored if asked. */
static void place(struct img *dst, const struct img *src, double cx, double cy, double s, double deg, int mirror)
{
    double a = deg * M_PI / 180, ca = cos(a), sa = sin(a);
    for (int y = 0; y < dst->h; y++)
        for (int x = 0; x < dst->w; x++) {
            double dx = (x - cx) / s, dy = (y - cy) / s;
            double sx = ca * dx + sa * dy + src->w / 2.0, sy = -sa * dx + ca * dy + src->h / 2.0;
            if (mirror)
                sx = src->w - 1 - sx;
            if (sx < 0 || sy < 0 || sx > src->w - 1.001 || sy > src->h - 1.001)
                continue;
            for (int c = 0; c < 3; c++)
                dst->p[((size_t)y * dst->w + x) * 3 + c] = (unsigned char)lround(at(src, sx, sy, c, 0));
        }
}

static void fill(struct img *im, int r, int g, int b)
{
    for (size_t i = 0; i < (size_t)im->w * im->h; i++) {
        im->p[3 * i] = (unsigned char)r, im->p[3 * i + 1] = (unsigned char)g, im->p[3 * i + 2] = (unsigned char)b;
    }
}

static void box_blur(struct img *im, int r, int passes)
{
    size_t n = (size_t)im->w * im->h * 3;
    unsigned char *t = malloc(n);
    if (!t)
        return;
    for (int p = 0; p < passes; p++)
        for (int dir = 0; dir < 2; dir++) {
            memcpy(t, im->p, n);
            for (int y = 0; y < im->h; y++)
                for (int x = 0; x < im->w; x++)
                    for (int c = 0; c < 3; c++) {
                        int s = 0, k = 0;
                        for (int d = -r; d <= r; d++) {
                            int X = dir ? x : x + d, Y = dir ? y + d : y;
                            if (X < 0 || Y < 0 || X >= im->w || Y >= im->h)
                                continue;
                            s += t[((size_t)Y * im->w + X) * 3 + c];
                            k++;
                        }
                        im->p[((size_t)y * im->w + x) * 3 + c] = (unsigned char)(s / k);
                    }
        }
    free(t);
}

/* The frame's geometry: 4:5, face box (the frontal-face detector's, brows to
 * mouth) 44 % of the width and centred, its centre 45 % down — a kiosk
 * camera's framing, as tests/unit/face_fixtures.h's kiosk frames measure it. */
#define FRAME_W 720
#define FRAME_H 900
#define FRAME_FACE_SHARE 0.44
#define FRAME_FACE_Y 0.45
#define BACKDROP_GREY 205

/* 0 inside the head, 1 in the background, a soft rim between: a rounded
 * box round the face box (hair and ears inside), fading out below the chin
 * (shoulders and clothes are the person's). */
static double backdrop_share(double x, double y, double fcx, double fcy, double fw, double fh)
{
    double below_chin = (y - (fcy + fh * 0.55)) / (fh * 0.2); /* fades out over a fifth of the face */
    if (below_chin >= 1)
        return 0;
    double ex = fabs(x - fcx) / (fw * 0.56), ey = fabs(y - (fcy - fh * 0.05)) / (fh * 0.85);
    double r = cbrt(ex * ex * ex + ey * ey * ey); /* squarer than an ellipse: hat and jaw inside */
    double share = r < 1 ? 0 : r > 1.06 ? 1 : (r - 1) / 0.06;
    return below_chin > 0 ? share * (1 - below_chin) : share;
}

int face_frame(const struct img *src, int fx, int fy, int fw, int fh, struct img *ret)
{
    if (src->ch != 3 || fw <= 0 || fh <= 0)
        return -EINVAL;
    struct img o;
    if (img_alloc(&o, FRAME_W, FRAME_H, 3) < 0)
        return -ENOMEM;
    double k = FRAME_W * FRAME_FACE_SHARE / fw;
    double scx = fx + fw / 2.0, scy = fy + fh / 2.0;          /* face centre, source */
    double fcx = FRAME_W / 2.0, fcy = FRAME_H * FRAME_FACE_Y; /* face centre, frame */
    for (int y = 0; y < o.h; y++)
        for (int x = 0; x < o.w; x++) {
            double bg = backdrop_share(x, y, fcx, fcy, fw * k, fh * k);
            double sx = scx + (x - fcx) / k, sy = scy + (y - fcy) / k;
            for (int c = 0; c < 3; c++) {
                double v = at(src, sx, sy, c, BACKDROP_GREY);
                o.p[((size_t)y * o.w + x) * 3 + c] = (unsigned char)lround(v * (1 - bg) + BACKDROP_GREY * bg);
            }
        }
    *ret = o;
    return 0;
}

int face_make(const struct img *src, enum face_variant v, uint64_t seed, struct img *ret)
{
    struct img o;
    if (src->ch != 3 || img_alloc(&o, src->w, src->h, 3) < 0)
        return -ENOMEM;
    uint64_t s = seed ^ 0xFACEull;
    int mirror = (int)(mix(&s) & 1);
    double jx = (unit(&s) - 0.5) * 16, jy = (unit(&s) - 0.5) * 12, js = 1 + (unit(&s) - 0.5) * 0.06;
    double tone[3] = {1 + (unit(&s) - 0.5) * 0.12, 1 + (unit(&s) - 0.5) * 0.12, 1 + (unit(&s) - 0.5) * 0.12};
    double cx = o.w / 2.0 + jx, cy = o.h / 2.0 + jy;
    switch (v) {
        case FACEV_TOO_SMALL:
            fill(&o, 128, 128, 128);
            place(&o, src, cx, cy, 0.35, 0, mirror);
            break;
        case FACEV_TWO_FACES:
            fill(&o, 128, 128, 128);
            place(&o, src, o.w * 0.27, cy, 0.52, 0, mirror);
            place(&o, src, o.w * 0.73, cy, 0.52, 0, !mirror);
            break;
        case FACEV_TILTED:
            fill(&o, 128, 128, 128);
            place(&o, src, cx, cy, js, 22, mirror);
            break;
        default: place(&o, src, cx, cy, js * 1.04, 0, mirror); break;
    }
    if (v == FACEV_BUSY_BACKGROUND) {
        /* a high-contrast patterned backdrop outside an ellipse round the head */
        for (int y = 0; y < o.h; y++)
            for (int x = 0; x < o.w; x++) {
                double ex = (x - cx) / (o.w * 0.33), ey = (y - cy + o.h * 0.05) / (o.h * 0.45);
                if (ex * ex + ey * ey < 1 || y > o.h * 0.8)
                    continue;
                int cell = ((x / 24) + (y / 24)) & 1;
                int stripe = (x + 2 * y) / 9 % 3;
                unsigned char *p = o.p + ((size_t)y * o.w + x) * 3;
                p[0] = (unsigned char)(cell ? 230 : 20 + 60 * stripe);
                p[1] = (unsigned char)(cell ? 40 * stripe : 200);
                p[2] = (unsigned char)(cell ? 30 : 90 * stripe);
            }
    }
    if (v == FACEV_BLUR)
        box_blur(&o, 5, 3);
    for (size_t i = 0; i < (size_t)o.w * o.h; i++)
        for (int c = 0; c < 3; c++) {
            double val = o.p[3 * i + c] * tone[c];
            if (v == FACEV_DARK)
                val *= 0.22;
            o.p[3 * i + c] = (unsigned char)(val > 255 ? 255 : lround(val));
        }
    *ret = o;
    return 0;
}
