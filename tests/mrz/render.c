#include "render.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H
#include <jpeglib.h>
#include <png.h>

#include "docs/mrzfix.h"

struct canvas {
    int w, h;
    float *p; /* grey 0..255 */
};

static unsigned next(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 8) & 0xFFFFFF;
}

static double unif(unsigned *s)
{
    return next(s) / (double)0x1000000;
}

static double gauss(unsigned *s)
{
    double u = unif(s) + 1e-9, v = unif(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Draws text in a monospaced grid starting at (x, baseline y), the glyph
 * outlines emboldened by bold/64 px (0: as the font draws them). */
static void draw_text(struct canvas *c, FT_Face face, const char *s, int x, int y, int pitch, int bold)
{
    for (size_t i = 0; s[i]; i++, x += pitch) {
        if (FT_Load_Char(face, (unsigned char)s[i], FT_LOAD_NO_BITMAP))
            continue;
        FT_GlyphSlot g = face->glyph;
        if (bold)
            FT_Outline_Embolden(&g->outline, bold);
        if (FT_Render_Glyph(g, FT_RENDER_MODE_NORMAL))
            continue;
        for (unsigned r = 0; r < g->bitmap.rows; r++)
            for (unsigned q = 0; q < g->bitmap.width; q++) {
                int px = x + g->bitmap_left + (int)q, py = y - g->bitmap_top + (int)r;
                if (px < 0 || py < 0 || px >= c->w || py >= c->h)
                    continue;
                float a = g->bitmap.buffer[r * (unsigned)g->bitmap.pitch + q] / 255.0f;
                float *d = &c->p[py * c->w + px];
                *d = *d * (1 - a) + 25.0f * a;
            }
    }
}

static void rotate(struct canvas *c, double deg, float bg)
{
    float *out = malloc(sizeof(float) * (size_t)c->w * (size_t)c->h);
    if (!out)
        return;
    double a = deg * M_PI / 180, ca = cos(a), sa = sin(a), cx = c->w / 2.0, cy = c->h / 2.0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            double sx = ca * (x - cx) + sa * (y - cy) + cx, sy = -sa * (x - cx) + ca * (y - cy) + cy;
            int x0 = (int)floor(sx), y0 = (int)floor(sy);
            float v = bg;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < c->w && y0 + 1 < c->h) {
                float fx = (float)(sx - x0), fy = (float)(sy - y0);
                const float *p = &c->p[y0 * c->w + x0];
                v = (p[0] * (1 - fx) + p[1] * fx) * (1 - fy) + (p[c->w] * (1 - fx) + p[c->w + 1] * fx) * fy;
            }
            out[y * c->w + x] = v;
        }
    free(c->p);
    c->p = out;
}

/* Shrinks the canvas to f of its height (0 < f < 1), each new row the
 * area average of the rows it covers: the page seen at an angle. */
static void squash(struct canvas *c, double f)
{
    int h = (int)lround(c->h * f);
    float *out = calloc((size_t)c->w * (size_t)h, sizeof(float));
    if (!out || h < 1) {
        free(out);
        return;
    }
    for (int y = 0; y < h; y++) {
        double y0 = y / f, y1 = (y + 1) / f;
        for (int sy = (int)y0; sy < c->h && sy < y1; sy++) {
            double wgt = fmin(sy + 1, y1) - fmax(sy, y0);
            for (int x = 0; x < c->w; x++)
                out[y * c->w + x] += (float)(wgt * f * c->p[sy * c->w + x]);
        }
    }
    free(c->p);
    c->p = out;
    c->h = h;
}

static void blur(struct canvas *c, double sigma)
{
    int r = (int)ceil(sigma * 2.5);
    float k[64], sum = 0;
    if (r < 1 || r > 31)
        return;
    for (int i = -r; i <= r; i++)
        sum += k[i + r] = (float)exp(-(i * i) / (2 * sigma * sigma));
    float *t = malloc(sizeof(float) * (size_t)c->w * (size_t)c->h);
    if (!t)
        return;
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < c->h; y++)
            for (int x = 0; x < c->w; x++) {
                float v = 0;
                for (int i = -r; i <= r; i++) {
                    int xx = pass ? x : x + i, yy = pass ? y + i : y;
                    xx = xx < 0 ? 0 : xx >= c->w ? c->w - 1 : xx;
                    yy = yy < 0 ? 0 : yy >= c->h ? c->h - 1 : yy;
                    v += k[i + r] * c->p[yy * c->w + xx];
                }
                t[y * c->w + x] = v / sum;
            }
        memcpy(c->p, t, sizeof(float) * (size_t)c->w * (size_t)c->h);
    }
    free(t);
}

static int encode(const struct canvas *c, int quality, unsigned char **ret, size_t *ret_len)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    unsigned char *g = malloc(n);
    if (!g)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        g[i] = (unsigned char)(c->p[i] < 0 ? 0 : c->p[i] > 255 ? 255 : c->p[i] + 0.5f);
    if (quality == 0) {
        png_image img = {.version = PNG_IMAGE_VERSION,
            .width = (png_uint_32)c->w,
            .height = (png_uint_32)c->h,
            .format = PNG_FORMAT_GRAY};
        png_alloc_size_t len = 0;
        if (!png_image_write_to_memory(&img, NULL, &len, 0, g, 0, NULL)) {
            free(g);
            return -EIO;
        }
        unsigned char *out = malloc(len);
        if (!out || !png_image_write_to_memory(&img, out, &len, 0, g, 0, NULL)) {
            free(out);
            free(g);
            return -EIO;
        }
        free(g);
        *ret = out;
        *ret_len = len;
        return 0;
    }
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&cinfo);
    unsigned char *out = NULL;
    unsigned long len = 0;
    jpeg_mem_dest(&cinfo, &out, &len);
    cinfo.image_width = (JDIMENSION)c->w;
    cinfo.image_height = (JDIMENSION)c->h;
    cinfo.input_components = 1;
    cinfo.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = g + (size_t)cinfo.next_scanline * (size_t)c->w;
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(g);
    *ret = out;
    *ret_len = len;
    return 0;
}

int render_mrz(
    const char *const *lines, size_t nlines, const struct render_opts *o, unsigned char **ret_img, size_t *ret_len)
{
    FT_Library lib;
    FT_Face face;
    if (FT_Init_FreeType(&lib))
        return -EIO;
    if (FT_New_Face(lib, o->font ? o->font : RENDER_FONT, 0, &face)) {
        FT_Done_FreeType(lib);
        return -ENOENT;
    }
    FT_Set_Pixel_Sizes(face, 0, (FT_UInt)o->px);
    FT_Load_Char(face, 'M', FT_LOAD_DEFAULT);
    int pitch = (int)(face->glyph->advance.x >> 6), lh = o->px * 3 / 2;
    size_t width = strlen(lines[0]);
    int margin = o->px * 2;
    /* Past the bench's ±5° the turned card would leave the picture: pad it
     * by the rise of half a line (smaller tilts keep their old layout). */
    if (fabs(o->angle_deg) > 5)
        margin += (int)(width * pitch * sin(fabs(o->angle_deg) * M_PI / 180) / 2);
    struct canvas c = {.w = (int)width * pitch + 2 * margin, .h = (int)(nlines + 4) * lh + 2 * margin};
    c.p = malloc(sizeof(float) * (size_t)c.w * (size_t)c.h);
    if (!c.p) {
        FT_Done_Face(face);
        FT_Done_FreeType(lib);
        return -ENOMEM;
    }
    for (int i = 0; i < c.w * c.h; i++)
        c.p[i] = 232;
    unsigned seed = o->seed;
    /* Header text above the zone, like the visual part of a document. */
    static const char *const words[] = {
        "PASSPORT", "SURNAME", "GIVEN NAMES", "NATIONALITY", "DATE OF BIRTH", "PLACE OF ISSUE", "AUTHORITY"};
    for (int k = 0; k < 3; k++)
        draw_text(&c, face, words[next(&seed) % 7], margin + (int)(next(&seed) % 5) * pitch, margin + k * lh + o->px,
            pitch, 0);
    for (size_t k = 0; k < nlines; k++)
        draw_text(&c, face, lines[k], margin, margin + (int)(k + 4) * lh, pitch, (int)lround(o->bold * 64));
    FT_Done_Face(face);
    FT_Done_FreeType(lib);
    if (o->squash > 0 && o->squash < 1)
        squash(&c, o->squash);
    if (o->angle_deg != 0)
        rotate(&c, o->angle_deg, 232);
    double gx = unif(&seed) - 0.5, gy = unif(&seed) - 0.5;
    for (int y = 0; y < c.h; y++)
        for (int x = 0; x < c.w; x++) {
            double t = (gx * x / c.w + gy * y / c.h) + 0.5;
            c.p[y * c.w + x] *= (float)(1 - o->light * t);
        }
    if (o->blur > 0)
        blur(&c, o->blur);
    if (o->noise > 0)
        for (int i = 0; i < c.w * c.h; i++)
            c.p[i] += (float)(o->noise * gauss(&seed));
    int r = encode(&c, o->jpeg_quality, ret_img, ret_len);
    free(c.p);
    return r;
}

static void put_digit(char *s, size_t len)
{
    s[len] = (char)('0' + mrzfix_check_digit(s, len, 0));
}

static void rand_chars(unsigned *seed, char *s, size_t n, const char *set)
{
    size_t m = strlen(set);
    for (size_t i = 0; i < n; i++)
        s[i] = set[next(seed) % m];
}

static void rand_date(unsigned *seed, char *s)
{
    int y = (int)(next(seed) % 100), m = 1 + (int)(next(seed) % 12), d = 1 + (int)(next(seed) % 28);
    char t[8];
    snprintf(t, sizeof t, "%02d%02d%02d", y, m, d);
    memcpy(s, t, 6);
}

static void rand_name(unsigned *seed, char *s, size_t n)
{
    memset(s, '<', n);
    size_t a = 3 + next(seed) % 9, b = 3 + next(seed) % 8, c = next(seed) % 2 ? 3 + next(seed) % 6 : 0;
    rand_chars(seed, s, a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    rand_chars(seed, s + a + 2, b, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (c && a + 2 + b + 1 + c <= n)
        rand_chars(seed, s + a + 2 + b + 1, c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
}

static const char *const states[] = {"RUS", "UZB", "TJK", "KGZ", "UTO", "D<<", "KAZ", "ARM", "AZE", "UKR"};
#define AN "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

void render_random_mrz(unsigned *seed, int format, char *out)
{
    char l1[45], l2[45], l3[45];
    const char *st = states[next(seed) % 10], *nat = states[next(seed) % 10];
    if (format == 1) {
        memset(l1, '<', 30), memset(l2, '<', 30);
        memcpy(l1, "I<", 2), memcpy(l1 + 2, st, 3);
        rand_chars(seed, l1 + 5, 9, AN), put_digit(l1 + 5, 9);
        rand_chars(seed, l1 + 15, next(seed) % 10, AN);
        rand_date(seed, l2), put_digit(l2, 6);
        l2[7] = "MF<"[next(seed) % 3];
        rand_date(seed, l2 + 8), put_digit(l2 + 8, 6);
        memcpy(l2 + 15, nat, 3);
        char comp[64];
        memcpy(comp, l1 + 5, 25), memcpy(comp + 25, l2, 7), memcpy(comp + 32, l2 + 8, 7),
            memcpy(comp + 39, l2 + 18, 11);
        l2[29] = (char)('0' + mrzfix_check_digit(comp, 50, 0));
        rand_name(seed, l3, 30);
        l1[30] = l2[30] = l3[30] = '\0';
        snprintf(out, 3 * 45, "%s\n%s\n%s", l1, l2, l3);
        return;
    }
    size_t w = format == 2 ? 36 : 44;
    memset(l1, '<', w), memset(l2, '<', w);
    memcpy(l1, format == 2 ? "I<" : "P<", 2), memcpy(l1 + 2, st, 3);
    rand_name(seed, l1 + 5, w - 5);
    rand_chars(seed, l2, 9, AN), put_digit(l2, 9);
    memcpy(l2 + 10, nat, 3);
    rand_date(seed, l2 + 13), put_digit(l2 + 13, 6);
    l2[20] = "MF<"[next(seed) % 3];
    rand_date(seed, l2 + 21), put_digit(l2 + 21, 6);
    size_t optlen = w == 44 ? 14 : 7, nopt = next(seed) % (optlen + 1);
    rand_chars(seed, l2 + 28, nopt, AN);
    if (w == 44)
        l2[42] = nopt ? (char)('0' + mrzfix_check_digit(l2 + 28, 14, 0)) : '<';
    char comp[64];
    memcpy(comp, l2, 10), memcpy(comp + 10, l2 + 13, 7), memcpy(comp + 17, l2 + 21, w - 22);
    l2[w - 1] = (char)('0' + mrzfix_check_digit(comp, 17 + w - 22, 0));
    l1[w] = l2[w] = '\0';
    snprintf(out, 3 * 45, "%s\n%s", l1, l2);
}

/* The degradations of image i: sizes cycle through 18-36 px. */
static struct render_opts pick(unsigned *s, int i)
{
    static const int sizes[] = {18, 22, 26, 30, 36};
    struct render_opts o = {.px = sizes[i % 5],
        .angle_deg = (unif(s) * 2 - 1) * 5,
        .blur = unif(s) * 1.2,
        .noise = unif(s) * 10,
        .light = unif(s) * 0.5,
        .jpeg_quality = unif(s) < 0.5 ? 0 : 40 + (int)(unif(s) * 50),
        .seed = (unsigned)i * 7919u + 1};
    return o;
}

/* Replaces one of the zone's check digits (chosen at random) by another
 * digit. mrz holds the lines separated by '\n'. */
static void spoil_check_digit(unsigned *s, int format, char *mrz)
{
    /* Offsets in the flat text (each line followed by its '\n'). */
    static const int td1[] = {14, 31 + 6, 31 + 14, 31 + 29}, td2[] = {37 + 9, 37 + 19, 37 + 27, 37 + 35},
                     td3[] = {45 + 9, 45 + 19, 45 + 27, 45 + 43};
    const int *at = format == 1 ? td1 : format == 2 ? td2 : td3;
    int p = at[(int)(unif(s) * 4) % 4];
    char was = mrz[p] == '<' ? '0' : mrz[p];
    mrz[p] = (char)('0' + (was - '0' + 1 + (int)(unif(s) * 9)) % 10);
}

void render_set_item(unsigned *s, int i, bool faulty, char *mrz, struct render_opts *ret_opts)
{
    render_random_mrz(s, 1 + i % 3, mrz);
    if (faulty)
        spoil_check_digit(s, 1 + i % 3, mrz);
    *ret_opts = pick(s, i);
}

size_t render_split_lines(char *mrz, char *lines[3])
{
    size_t n = 0;
    for (char *p = mrz; p && n < 3; n++) {
        lines[n] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    return n;
}
