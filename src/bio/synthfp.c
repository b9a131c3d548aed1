/* synthfp: SFinGe-style synthetic fingerprints (see synthfp.h).
 *
 * Pipeline for one finger:
 *   master (seed, position) → class, fingertip mask, singular points,
 *   orientation perturbation, ridge period, noise stream;
 *   orientation field (Sherlock–Monro: θ = θ∞ + ½(Σ arg(z−d) − Σ arg(z−c)));
 *   ridge field v: seeded white noise, then SYNTH_ITERATIONS rounds of
 *   space-variant oriented Gabor filtering and clamping, which grows ridges
 *   at the local period along the local orientation (minutiae appear where
 *   the growing fronts disagree);
 *   impression (seed, position, impression) → placement (shift, rotation),
 *   pressure (ridge width, fading to the fingertip's edge), sensor noise and
 *   the requested degradations, applied while resampling v into the image.
 *
 * Coordinates: x right, y down, angles in radians; a ridge direction θ means
 * the ridge runs along (cos θ, sin θ). */
#include "bio/synthfp.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_ITERATIONS 6
#define SYNTH_KRAD 6 /* Gabor kernel radius (13 × 13) */
#define SYNTH_KSIZE (2 * SYNTH_KRAD + 1)
#define SYNTH_NANGLES 48 /* orientation bank over [0, π) */
#define SYNTH_MAX_SING 4

/* ---- seeded randomness (splitmix64 streams) ---- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A stream for one purpose of one finger of one subject: distinct purposes
 * and positions never share a stream. */
static struct rng rng_for(uint64_t seed, int position, uint32_t impression, uint32_t purpose)
{
    struct rng r = {seed};
    uint64_t k = rng_next(&r);
    r.s = k ^ ((uint64_t)(unsigned)position << 48) ^ ((uint64_t)purpose << 40) ^ impression;
    (void)rng_next(&r);
    return r;
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static double rng_range(struct rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

static double rng_gauss(struct rng *r)
{
    double u = rng_unit(r), v = rng_unit(r);
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

enum { P_MASTER = 1, P_NOISE, P_IMPRESSION, P_PERTURB };

/* ---- the master print ---- */

struct point {
    double x, y;
};

struct master {
    int cls;
    int w, h;                 /* canvas */
    double cx, cy, a, b1, b2; /* fingertip: half-ellipse top, flatter bottom */
    int ncore, ndelta;
    struct point core[SYNTH_MAX_SING], delta[SYNTH_MAX_SING];
    double theta0;
    double arch_k;                        /* arch: bow strength */
    double pa[3], pkx[3], pky[3], pph[3]; /* smooth orientation perturbation */
    double period;                        /* ridge period, px */
    bool palm;
};

static double finger_scale(int position)
{
    switch ((position - 1) % 5) {
        case 0: return 1.12;  /* thumb */
        case 1: return 1.0;   /* index */
        case 2: return 1.03;  /* middle */
        case 3: return 0.97;  /* ring */
        default: return 0.86; /* little */
    }
}

int synthfp_class_of(uint64_t seed, int position)
{
    if (position < 1 || position > 10)
        return -EINVAL;
    struct rng r = rng_for(seed, position, 0, P_MASTER);
    double u = rng_unit(&r);
    /* Natural frequencies (Wilson et al., quoted in the Handbook §6.4). */
    if (u < 0.037)
        return SYNTHFP_ARCH;
    if (u < 0.066)
        return SYNTHFP_TENTED_ARCH;
    if (u < 0.404)
        return SYNTHFP_LEFT_LOOP;
    if (u < 0.721)
        return SYNTHFP_RIGHT_LOOP;
    return SYNTHFP_WHORL;
}

static void master_perturbation(struct master *m, struct rng *r)
{
    for (int i = 0; i < 3; i++) {
        m->pa[i] = rng_range(r, 0.04, 0.10);
        double ang = rng_range(r, 0, 2 * M_PI), len = rng_range(r, 180, 420);
        m->pkx[i] = 2 * M_PI / len * cos(ang);
        m->pky[i] = 2 * M_PI / len * sin(ang);
        m->pph[i] = rng_range(r, 0, 2 * M_PI);
    }
}

static void master_finger(uint64_t seed, int position, struct master *m)
{
    memset(m, 0, sizeof *m);
    m->cls = synthfp_class_of(seed, position);
    struct rng r = rng_for(seed, position, 0, P_MASTER);
    (void)rng_unit(&r); /* the class draw */
    double s = finger_scale(position) * rng_range(&r, 0.95, 1.05);
    m->w = SYNTHFP_FINGER_W;
    m->h = SYNTHFP_FINGER_H;
    m->a = 108 * s * rng_range(&r, 0.95, 1.05);
    m->b1 = 150 * s * rng_range(&r, 0.93, 1.07);
    m->b2 = 260 * s;
    m->cx = m->w / 2.0;
    m->cy = 24 + m->b1;
    m->period = rng_range(&r, 8.4, 9.3);
    m->theta0 = rng_range(&r, -0.08, 0.08);
    double jx = rng_range(&r, -0.12, 0.12) * m->a, jy = rng_range(&r, -0.10, 0.10) * m->b1;
    double cx = m->cx + jx, cy = m->cy + jy;
    switch (m->cls) {
        case SYNTHFP_ARCH: m->arch_k = rng_range(&r, 0.5, 0.9); break;
        case SYNTHFP_TENTED_ARCH:
            m->ncore = m->ndelta = 1;
            m->core[0] = (struct point){cx, cy - 0.1 * m->b1};
            m->delta[0] = (struct point){cx + rng_range(&r, -8, 8), cy + rng_range(&r, 0.45, 0.6) * m->b1};
            break;
        case SYNTHFP_LEFT_LOOP:
        case SYNTHFP_RIGHT_LOOP: {
            double side = m->cls == SYNTHFP_LEFT_LOOP ? 1.0 : -1.0;
            m->ncore = m->ndelta = 1;
            m->core[0] = (struct point){cx - side * 0.1 * m->a, cy - 0.15 * m->b1};
            m->delta[0] =
                (struct point){cx + side * rng_range(&r, 0.45, 0.7) * m->a, cy + rng_range(&r, 0.55, 0.8) * m->b1};
            break;
        }
        default: /* whorl: two cores stacked, two deltas low on either side */
            m->ncore = m->ndelta = 2;
            m->core[0] = (struct point){cx - rng_range(&r, 0, 0.12) * m->a, cy - 0.2 * m->b1};
            m->core[1] = (struct point){cx + rng_range(&r, 0, 0.12) * m->a, cy + 0.05 * m->b1};
            m->delta[0] = (struct point){cx - rng_range(&r, 0.6, 0.85) * m->a, cy + rng_range(&r, 0.55, 0.8) * m->b1};
            m->delta[1] = (struct point){cx + rng_range(&r, 0.6, 0.85) * m->a, cy + rng_range(&r, 0.55, 0.8) * m->b1};
            break;
    }
    struct rng rp = rng_for(seed, position, 0, P_PERTURB);
    master_perturbation(m, &rp);
}

/* Palm: ridges run roughly across the hand, around four interdigital deltas
 * under the fingers and a carpal delta near the wrist. */
static void master_palm(uint64_t seed, int hand, struct master *m)
{
    memset(m, 0, sizeof *m);
    m->palm = true;
    int pos = 11 + hand; /* a stream of its own, apart from the ten fingers */
    struct rng r = rng_for(seed, pos, 0, P_MASTER);
    m->w = SYNTHFP_PALM_W;
    m->h = SYNTHFP_PALM_H;
    m->cls = -1;
    m->period = rng_range(&r, 9.0, 10.0);
    m->theta0 = rng_range(&r, -0.1, 0.1);
    m->ndelta = 4;
    for (int i = 0; i < 3; i++)
        m->delta[i] = (struct point){m->w * (0.22 + 0.28 * i) + rng_range(&r, -30, 30), rng_range(&r, 90, 170)};
    m->delta[3] = (struct point){m->w * rng_range(&r, 0.4, 0.6), m->h - rng_range(&r, 80, 160)};
    m->ncore = 1; /* one loop under the fingers keeps the field balanced */
    m->core[0] = (struct point){m->w * rng_range(&r, 0.3, 0.7), rng_range(&r, 260, 420)};
    struct rng rp = rng_for(seed, pos, 0, P_PERTURB);
    master_perturbation(m, &rp);
}

/* Normalised radius inside the fingertip: < 1 inside, 1 on the edge. */
static double mask_radius(const struct master *m, double x, double y)
{
    if (m->palm) {
        double mx = m->w / 2.0, my = m->h / 2.0;
        double dx = fabs(x - mx) / (mx - 10), dy = fabs(y - my) / (my - 10);
        double p = pow(pow(dx, 6) + pow(dy, 6), 1.0 / 6); /* rounded rectangle */
        return p;
    }
    double dx = (x - m->cx) / m->a;
    double dy = (y - m->cy) / (y < m->cy ? m->b1 : m->b2);
    double rr = sqrt(dx * dx + dy * dy);
    if (y > m->h - 6) /* the finger's base runs off the canvas */
        rr = fmax(rr, 1.01);
    return rr;
}

static double orientation(const struct master *m, double x, double y)
{
    double t = m->theta0;
    if (m->cls == SYNTHFP_ARCH) {
        double u = (x - m->cx) / (0.9 * m->a);
        double k = m->arch_k * (0.35 + 0.65 * fmin(1.0, fmax(0.0, (y - 20) / (1.6 * m->b1))));
        t += atan(k * 2 * u * exp(-u * u));
    } else {
        for (int i = 0; i < m->ndelta; i++)
            t -= 0.5 * atan2(y - m->delta[i].y, x - m->delta[i].x);
        for (int i = 0; i < m->ncore; i++)
            t += 0.5 * atan2(y - m->core[i].y, x - m->core[i].x);
    }
    for (int i = 0; i < 3; i++)
        t += m->pa[i] * sin(m->pkx[i] * x + m->pky[i] * y + m->pph[i]);
    t = fmod(t, M_PI);
    if (t < 0)
        t += M_PI;
    return t;
}

/* ---- ridge field ---- */

struct field {
    int w, h;
    float *v; /* ridge field, -1 valley .. +1 ridge crest */
};

/* One kernel k (SYNTH_KSIZE² taps) applied at the window whose top-left
 * sample is src, rows `stride` apart. This loop is nearly all of a synthetic
 * print's time (a palm: 1.25 M pixels × 169 taps × SYNTH_ITERATIONS), and
 * the sanitizers' checks on its loads and pointer steps made the device
 * simulator's captures 4 times slower (3 palms and 12 prints: 19.6 s of CPU
 * in an ASan+UBSan build, 4.7 s without them here, 3.5 s in a release
 * build; identical images). It does nothing the checks look for (float
 * multiply-adds; its bounds hold by construction: ridge_field calls it only
 * for windows inside the field and kernels inside the bank), so it is left
 * out of their instrumentation; the rest of ridge_field is checked. */
__attribute__((no_sanitize("address", "undefined"))) static float gabor_at(
    const float *k, const float *src, size_t stride)
{
    float acc = 0;
    for (int dy = 0; dy < SYNTH_KSIZE; dy++, src += stride, k += SYNTH_KSIZE)
        for (int dx = 0; dx < SYNTH_KSIZE; dx++)
            acc += k[dx] * src[dx];
    return acc;
}

/* Four floats, for four neighbouring pixels at once (GCC's and clang's
 * vector extension: one SSE register on any x86-64, no -m flag). */
typedef float float4 __attribute__((vector_size(4 * sizeof(float))));

/* gabor_at for the eight pixels whose windows start at src, src + 1, …,
 * src + 7, all with kernel k, in two registers of four. Each lane adds the
 * same products in the same order as gabor_at, so each sum is bit-for-bit
 * gabor_at's (the images do not change). Uninstrumented for the reason
 * gabor_at is. */
__attribute__((no_sanitize("address", "undefined"))) static void gabor_at8(
    const float *k, const float *src, size_t stride, float ret[8])
{
    float4 lo = {0}, hi = {0};
    for (int dy = 0; dy < SYNTH_KSIZE; dy++, src += stride, k += SYNTH_KSIZE)
        for (int dx = 0; dx < SYNTH_KSIZE; dx++) {
            float4 a, b;
            memcpy(&a, src + dx, sizeof a);
            memcpy(&b, src + dx + 4, sizeof b);
            lo += k[dx] * a;
            hi += k[dx] * b;
        }
    memcpy(ret, &lo, sizeof lo);
    memcpy(ret + 4, &hi, sizeof hi);
}

/* Whether the eight pixels from i on (`left` of the row's are left) are all
 * active and share pixel i's kernel: the orientation field is smooth, so
 * mostly they are. */
static bool eight_share_kernel(const unsigned char *act, const unsigned char *ang, size_t i, int left)
{
    if (left < 8)
        return false;
    for (int n = 1; n < 8; n++)
        if (!act[i + n] || ang[i + n] != ang[i])
            return false;
    return true;
}

/* One filtering round over row y: o[i] for its active pixels, and their
 * squares and count added to *ss and *cnt in x order. */
static void filter_row(const float *bank, const float *v, const unsigned char *act, const unsigned char *ang, int w,
    int y, float *o, double *ss, size_t *cnt)
{
    for (int x = SYNTH_KRAD; x < w - SYNTH_KRAD;) {
        size_t i = (size_t)y * w + x;
        if (!act[i]) {
            x++;
            continue;
        }
        const float *k = bank + (size_t)ang[i] * SYNTH_KSIZE * SYNTH_KSIZE;
        const float *src = v + i - (size_t)SYNTH_KRAD * w - SYNTH_KRAD;
        int run = eight_share_kernel(act, ang, i, w - SYNTH_KRAD - x) ? 8 : 1;
        float acc[8];
        if (run == 8)
            gabor_at8(k, src, (size_t)w, acc);
        else
            acc[0] = gabor_at(k, src, (size_t)w);
        for (int l = 0; l < run; l++) {
            o[i + l] = acc[l];
            *ss += (double)acc[l] * acc[l];
        }
        *cnt += (size_t)run;
        x += run;
    }
}

static int ridge_field(const struct master *m, uint64_t seed, int position, struct field *ret)
{
    int w = m->w, h = m->h;
    size_t n = (size_t)w * h;
    float *v = malloc(n * sizeof *v), *o = calloc(n, sizeof *o);
    unsigned char *ang = malloc(n), *act = calloc(n, 1);
    float *bank = malloc(sizeof(float) * SYNTH_NANGLES * SYNTH_KSIZE * SYNTH_KSIZE);
    if (!v || !o || !ang || !act || !bank) {
        free(v), free(o), free(ang), free(act), free(bank);
        return -ENOMEM;
    }
    /* The Gabor bank: a cosine across the ridges at the ridge period under an
     * elongated Gaussian (longer along the ridge: continuity), zero mean. */
    const double sn = 0.36 * m->period, st = 0.5 * m->period;
    for (int a = 0; a < SYNTH_NANGLES; a++) {
        double th = M_PI * a / SYNTH_NANGLES, c = cos(th), s = sin(th), sum = 0;
        float *k = bank + (size_t)a * SYNTH_KSIZE * SYNTH_KSIZE;
        for (int dy = -SYNTH_KRAD; dy <= SYNTH_KRAD; dy++)
            for (int dx = -SYNTH_KRAD; dx <= SYNTH_KRAD; dx++) {
                double along = dx * c + dy * s, across = -dx * s + dy * c;
                double g = exp(-across * across / (2 * sn * sn) - along * along / (2 * st * st)) *
                           cos(2 * M_PI * across / m->period);
                k[(dy + SYNTH_KRAD) * SYNTH_KSIZE + dx + SYNTH_KRAD] = (float)g;
                sum += g;
            }
        for (int i = 0; i < SYNTH_KSIZE * SYNTH_KSIZE; i++)
            k[i] -= (float)(sum / (SYNTH_KSIZE * SYNTH_KSIZE));
    }
    struct rng r = rng_for(seed, position, 0, P_NOISE);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            bool inside = x >= SYNTH_KRAD && y >= SYNTH_KRAD && x < w - SYNTH_KRAD && y < h - SYNTH_KRAD &&
                          mask_radius(m, x, y) < 1.08;
            act[i] = inside;
            v[i] = inside ? (float)rng_range(&r, -1, 1) : 0.0f;
            if (inside) {
                int a = (int)lround(orientation(m, x, y) / M_PI * SYNTH_NANGLES) % SYNTH_NANGLES;
                ang[i] = (unsigned char)a;
            }
        }
    for (int it = 0; it < SYNTH_ITERATIONS; it++) {
        double ss = 0;
        size_t cnt = 0;
        for (int y = SYNTH_KRAD; y < h - SYNTH_KRAD; y++)
            filter_row(bank, v, act, ang, w, y, o, &ss, &cnt);
        /* saturate while growing; the last round stays nearly sinusoidal so
         * that pressure (a threshold on v) can thin or thicken the ridges */
        double gain = it + 1 < SYNTH_ITERATIONS ? 1.6 : 0.75;
        float scale = cnt ? (float)(gain / sqrt(ss / (double)cnt + 1e-12)) : 1.0f;
        for (size_t i = 0; i < n; i++) {
            float t = act[i] ? o[i] * scale : 0.0f;
            v[i] = t > 1.0f ? 1.0f : t < -1.0f ? -1.0f : t;
        }
    }
    free(o), free(ang), free(act), free(bank);
    ret->w = w;
    ret->h = h;
    ret->v = v;
    return 0;
}

/* ---- the ridge fields already computed (synthfp_cache) ---- */

struct cached_field {
    uint64_t seed;
    int position;  /* 1..10 fingers, 11 + hand palms */
    uint64_t used; /* the cache's tick at the last look-up: least recent goes first */
    struct field f;
};

struct synthfp_cache {
    pthread_mutex_t mu;
    int n, cap;
    uint64_t tick, hits, misses;
    struct cached_field *e;
};

int synthfp_cache_new(int capacity, struct synthfp_cache **ret, err_t *err)
{
    if (capacity < 1 || capacity > 64)
        return err_set(err, -EINVAL, "synthfp_bad_cache", "cache capacity must be 1..64");
    struct synthfp_cache *c = calloc(1, sizeof *c);
    struct cached_field *e = calloc((size_t)capacity, sizeof *e);
    if (!c || !e || pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c), free(e);
        return err_set(err, -ENOMEM, "synthfp_no_memory", "out of memory making a field cache");
    }
    c->cap = capacity;
    c->e = e;
    *ret = c;
    return 0;
}

void synthfp_cache_free(struct synthfp_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        free(c->e[i].f.v);
    pthread_mutex_destroy(&c->mu);
    free(c->e);
    free(c);
}

void synthfp_cache_counts(struct synthfp_cache *c, uint64_t *ret_hits, uint64_t *ret_misses)
{
    pthread_mutex_lock(&c->mu);
    *ret_hits = c->hits;
    *ret_misses = c->misses;
    pthread_mutex_unlock(&c->mu);
}

static float *floats_dup(const struct field *f)
{
    size_t bytes = (size_t)f->w * f->h * sizeof *f->v;
    float *v = malloc(bytes);
    return v ? memcpy(v, f->v, bytes) : NULL;
}

/* A copy of (seed, position)'s field into *ret if the cache has it: true. */
static bool cache_take(struct synthfp_cache *c, uint64_t seed, int position, struct field *ret)
{
    bool found = false;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < c->n && !found; i++) {
        struct cached_field *e = &c->e[i];
        if (e->seed != seed || e->position != position)
            continue;
        float *v = floats_dup(&e->f);
        if (v) { /* out of memory: computed instead, as if not cached */
            e->used = ++c->tick;
            *ret = (struct field){e->f.w, e->f.h, v};
            found = true;
        }
    }
    c->hits += found;
    c->misses += !found;
    pthread_mutex_unlock(&c->mu);
    return found;
}

/* Keeps a copy of a field just computed, in place of the least recently used
 * one when full. Out of memory keeps nothing: the cache only saves time. */
static void cache_keep(struct synthfp_cache *c, uint64_t seed, int position, const struct field *f)
{
    float *v = floats_dup(f);
    if (!v)
        return;
    pthread_mutex_lock(&c->mu);
    int slot = 0;
    for (int i = 0; i < c->n; i++) {
        if (c->e[i].seed == seed && c->e[i].position == position) { /* another thread kept it first */
            pthread_mutex_unlock(&c->mu);
            free(v);
            return;
        }
        if (c->e[i].used < c->e[slot].used)
            slot = i;
    }
    if (c->n < c->cap)
        slot = c->n++;
    free(c->e[slot].f.v);
    c->e[slot] = (struct cached_field){seed, position, ++c->tick, {f->w, f->h, v}};
    pthread_mutex_unlock(&c->mu);
}

/* The field of (seed, position), from the cache when it has it. Two threads
 * asking for the same one at once both compute it; the second keep wins. */
static int field_of(const struct master *m, uint64_t seed, int position, struct synthfp_cache *c, struct field *ret)
{
    if (c && cache_take(c, seed, position, ret))
        return 0;
    int rc = ridge_field(m, seed, position, ret);
    if (rc == 0 && c)
        cache_keep(c, seed, position, ret);
    return rc;
}

/* ---- impression: placement, pressure, noise, degradations ---- */

static double smoothstep(double e0, double e1, double x)
{
    double t = (x - e0) / (e1 - e0);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return t * t * (3 - 2 * t);
}

static double sample(const struct field *f, double x, double y)
{
    if (x < 0 || y < 0 || x >= f->w - 1 || y >= f->h - 1)
        return -1.0;
    int x0 = (int)x, y0 = (int)y;
    double fx = x - x0, fy = y - y0;
    const float *p = f->v + (size_t)y0 * f->w + x0;
    return (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[f->w] + fx * p[f->w + 1]);
}

/* Value noise on a coarse lattice, smooth over `cell` pixels, in [-1, 1]. */
struct vnoise {
    int gw, gh;
    double cell;
    float *g;
};

static int vnoise_init(struct vnoise *vn, struct rng *r, int w, int h, double cell)
{
    vn->cell = cell;
    vn->gw = (int)(w / cell) + 3;
    vn->gh = (int)(h / cell) + 3;
    vn->g = malloc(sizeof(float) * (size_t)vn->gw * vn->gh);
    if (!vn->g)
        return -ENOMEM;
    for (int i = 0; i < vn->gw * vn->gh; i++)
        vn->g[i] = (float)rng_range(r, -1, 1);
    return 0;
}

static double vnoise_at(const struct vnoise *vn, double x, double y)
{
    double gx = x / vn->cell, gy = y / vn->cell;
    if (gx < 0)
        gx = 0;
    if (gy < 0)
        gy = 0;
    int x0 = (int)gx, y0 = (int)gy;
    if (x0 > vn->gw - 2)
        x0 = vn->gw - 2;
    if (y0 > vn->gh - 2)
        y0 = vn->gh - 2;
    double fx = smoothstep(0, 1, gx - x0), fy = smoothstep(0, 1, gy - y0);
    const float *p = vn->g + (size_t)y0 * vn->gw + x0;
    return (1 - fy) * ((1 - fx) * p[0] + fx * p[1]) + fy * ((1 - fx) * p[vn->gw] + fx * p[vn->gw + 1]);
}

static int check_opts(const struct synthfp_opts *o, err_t *err)
{
    const double v[] = {o->dry, o->wet, o->smudge, o->partial, o->low_contrast, o->noise};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!(v[i] >= 0.0 && v[i] <= 1.0))
            return err_set(err, -EINVAL, "synthfp_bad_option", "degradation outside 0..1");
    if (!(o->rotation_deg >= -90.0 && o->rotation_deg <= 90.0))
        return err_set(err, -EINVAL, "synthfp_bad_option", "rotation outside -90..90 degrees");
    return 0;
}

/* Resamples the master field f into a new image with the impression's
 * placement, pressure, noise and degradations. */
static int impress(const struct master *m, const struct field *f, uint64_t seed, int position,
    const struct synthfp_opts *o, struct synthfp_image *ret, unsigned char *touch)
{
    struct rng r = rng_for(seed, position, o->impression, P_IMPRESSION);
    int w = m->w, h = m->h;
    double shift = m->palm ? 20 : 10;
    double tx = rng_range(&r, -shift, shift), ty = rng_range(&r, -shift, shift);
    double rot = (rng_range(&r, -4, 4) + o->rotation_deg) * M_PI / 180.0;
    double press = rng_range(&r, -0.08, 0.08); /* this touch's pressure */
    double cut_ang = rng_range(&r, 0, 2 * M_PI);
    struct point sm = {m->cx + rng_range(&r, -0.5, 0.5) * m->a, m->cy + rng_range(&r, -0.3, 0.6) * m->b1};
    if (m->palm)
        sm = (struct point){rng_range(&r, 0.25, 0.75) * w, rng_range(&r, 0.25, 0.75) * h};
    double sm_r = (m->palm ? 200 : 70) * (0.5 + o->smudge);
    struct vnoise dryn = {0}, presn = {0};
    if (vnoise_init(&dryn, &r, w, h, 14) < 0 || vnoise_init(&presn, &r, w, h, 90) < 0) {
        free(dryn.g), free(presn.g);
        return -ENOMEM;
    }
    unsigned char *pix = malloc((size_t)w * h);
    if (!pix) {
        free(dryn.g), free(presn.g);
        return -ENOMEM;
    }
    const double ca = cos(rot), sa = sin(rot);
    const double ox = w / 2.0, oy = h / 2.0;
    const double amp = 215.0 * (1.0 - 0.82 * o->low_contrast);
    const double noise_sd = 3.0 + 30.0 * o->noise;
    /* Palm flexion creases: three curves that interrupt the ridges. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            /* inverse placement: output pixel → master coordinates */
            double dx = x - ox - tx, dy = y - oy - ty;
            double sx = ox + ca * dx + sa * dy, sy = oy - sa * dx + ca * dy;
            double rr = mask_radius(m, sx, sy);
            double ink = 0;
            if (rr < 1.0) {
                double v = sample(f, sx, sy);
                /* threshold: higher = thinner ridges (less pressure) */
                double t = -press + 0.65 * smoothstep(0.78, 1.0, rr) + 0.12 * vnoise_at(&presn, sx, sy);
                t += o->dry * (0.6 + 0.5 * vnoise_at(&dryn, sx, sy));
                t -= o->wet * 0.85;
                if (o->partial > 0) {
                    double pr = m->palm ? fmax(w, h) / 2.0 : m->b1;
                    double proj =
                        ((sx - (m->palm ? ox : m->cx)) * cos(cut_ang) + (sy - (m->palm ? oy : m->cy)) * sin(cut_ang)) /
                        pr;
                    if (proj > 1.0 - 2.0 * o->partial)
                        t = 9; /* not touching */
                }
                if (m->palm) {
                    for (int c = 0; c < 3; c++) {
                        double ly = h * (0.3 + 0.2 * c) + 60 * sin(sx / w * M_PI * (1 + c) + c);
                        if (fabs(sy - ly) < 5 + 2 * c)
                            t = 9;
                    }
                }
                ink = smoothstep(t - 0.3, t + 0.3, v);
                if (touch && t < 9)
                    touch[(size_t)y * w + x] = 1; /* skin on the glass, faint or not */
                if (o->smudge > 0) {
                    double d = hypot(sx - sm.x, sy - sm.y) / sm_r;
                    if (d < 1) { /* smeared: ridges lose their valleys */
                        double k = o->smudge * (1 - d * d);
                        ink = ink * (1 - k) + k * 0.75;
                    }
                }
            }
            double g = 248.0 - amp * ink + noise_sd * rng_gauss(&r);
            if (o->dry > 0 && ink > 0 && rng_unit(&r) < 0.25 * o->dry)
                g += 80 * o->dry; /* dry skin: white specks on the ridges */
            pix[(size_t)y * w + x] = (unsigned char)(g < 0 ? 0 : g > 255 ? 255 : lround(g));
        }
    free(dryn.g), free(presn.g);
    if (o->wet > 0) { /* wet: ink spreads — a small blur, stronger with wetness */
        int passes = 1 + (int)(o->wet * 2.5);
        unsigned char *tmp = malloc((size_t)w * h);
        if (!tmp) {
            free(pix);
            return -ENOMEM;
        }
        for (int p = 0; p < passes; p++) {
            memcpy(tmp, pix, (size_t)w * h);
            for (int y = 1; y < h - 1; y++)
                for (int x = 1; x < w - 1; x++) {
                    int s = 0;
                    for (int j = -1; j <= 1; j++)
                        for (int i = -1; i <= 1; i++)
                            s += tmp[(size_t)(y + j) * w + x + i];
                    pix[(size_t)y * w + x] = (unsigned char)(s / 9);
                }
        }
        free(tmp);
    }
    ret->width = w;
    ret->height = h;
    ret->pix = pix;
    return 0;
}

static const struct synthfp_opts NO_OPTS;

/* One finger, and where it touches (touch: w*h bytes, zeroed, or NULL). */
static int finger_render(
    uint64_t seed, int position, const struct synthfp_opts *o, struct synthfp_image *ret, unsigned char *touch)
{
    struct master m;
    master_finger(seed, position, &m);
    struct field f;
    int rc = field_of(&m, seed, position, o->cache, &f);
    if (rc == 0) {
        rc = impress(&m, &f, seed, position, o, ret, touch);
        free(f.v);
    }
    return rc;
}

int synthfp_finger(uint64_t seed, int position, const struct synthfp_opts *opts, struct synthfp_image *ret, err_t *err)
{
    if (position < 1 || position > 10)
        return err_set(err, -EINVAL, "synthfp_bad_position", "finger position must be 1..10");
    const struct synthfp_opts *o = opts ? opts : &NO_OPTS;
    int rc = check_opts(o, err);
    if (rc < 0)
        return rc;
    rc = finger_render(seed, position, o, ret, NULL);
    if (rc < 0)
        return err_set(err, rc, "synthfp_no_memory", "out of memory rendering a finger");
    return 0;
}

int synthfp_palm(uint64_t seed, int hand, const struct synthfp_opts *opts, struct synthfp_image *ret, err_t *err)
{
    if (hand != 0 && hand != 1)
        return err_set(err, -EINVAL, "synthfp_bad_hand", "hand must be 0 (right) or 1 (left)");
    const struct synthfp_opts *o = opts ? opts : &NO_OPTS;
    int rc = check_opts(o, err);
    if (rc < 0)
        return rc;
    struct master m;
    master_palm(seed, hand, &m);
    struct field f;
    rc = field_of(&m, seed, 11 + hand, o->cache, &f);
    if (rc == 0) {
        rc = impress(&m, &f, seed, 11 + hand, o, ret, NULL);
        free(f.v);
    }
    if (rc < 0)
        return err_set(err, rc, "synthfp_no_memory", "out of memory rendering a palm");
    return 0;
}

/* The fingers of a slap, left to right in the image as a live scanner sees
 * them (FBI EBTS flats): right four index..little, left four little..index,
 * thumbs left then right. */
static int slap_fingers(int slap, int ret_pos[4])
{
    static const int right[] = {2, 3, 4, 5}, left[] = {10, 9, 8, 7}, thumbs[] = {6, 1};
    const int *p;
    int n;
    switch (slap) {
        case SYNTHFP_SLAP_RIGHT_FOUR: p = right, n = 4; break;
        case SYNTHFP_SLAP_LEFT_FOUR: p = left, n = 4; break;
        case SYNTHFP_SLAP_THUMBS: p = thumbs, n = 2; break;
        default: return -EINVAL;
    }
    memcpy(ret_pos, p, sizeof(int) * (size_t)n);
    return n;
}

/* Vertical drop of each finger's tip below the slap's top, in pixels. */
static int finger_drop(int position)
{
    switch ((position - 1) % 5) {
        case 0: return 240;
        case 1: return 150;
        case 2: return 90;
        case 3: return 130;
        default: return 260;
    }
}

int synthfp_slap(uint64_t seed, int slap, uint32_t missing_mask, const struct synthfp_opts *opts,
    struct synthfp_image *ret, struct synthfp_box *ret_boxes, int *ret_nboxes, err_t *err)
{
    int pos[4];
    int n = slap_fingers(slap, pos);
    if (n < 0)
        return err_set(err, -EINVAL, "synthfp_bad_slap", "slap must be 13, 14 or 15");
    const struct synthfp_opts *o = opts ? opts : &NO_OPTS;
    int rc = check_opts(o, err);
    if (rc < 0)
        return rc;
    const int W = SYNTHFP_SLAP_W, H = SYNTHFP_SLAP_H;
    unsigned char *pix = malloc((size_t)W * H);
    if (!pix)
        return err_set(err, -ENOMEM, "synthfp_no_memory", "out of memory rendering a slap");
    struct rng bg = rng_for(seed, slap, o->impression, P_IMPRESSION);
    for (size_t i = 0; i < (size_t)W * H; i++) {
        double g = 248.0 + 3.0 * rng_gauss(&bg);
        pix[i] = (unsigned char)(g > 255 ? 255 : g < 0 ? 0 : lround(g));
    }
    struct synthfp_box boxes[4];
    int nb = 0;
    const int col = W / n;
    for (int k = 0; k < n; k++) {
        if (missing_mask & (1u << pos[k]))
            continue;
        struct synthfp_opts fo = *o;
        /* fingers of a flat slap lean outwards from the middle of the hand */
        double lean = n == 4 ? (k - 1.5) * 5.0 : (k == 0 ? 12.0 : -12.0);
        fo.rotation_deg = fmax(-90, fmin(90, o->rotation_deg + lean));
        struct synthfp_image fi;
        unsigned char *touch = calloc((size_t)SYNTHFP_FINGER_W * SYNTHFP_FINGER_H, 1);
        rc = touch ? finger_render(seed, pos[k], &fo, &fi, touch) : -ENOMEM;
        if (rc < 0) {
            free(touch);
            free(pix);
            return err_set(err, rc, "synthfp_no_memory", "out of memory rendering a slap");
        }
        int x0 = k * col + (col - fi.width) / 2, y0 = finger_drop(pos[k]) - 24;
        if (y0 + fi.height > H)
            y0 = H - fi.height;
        int l = W, rgt = -1, t = H, b = -1;
        for (int y = 0; y < fi.height; y++)
            for (int x = 0; x < fi.width; x++) {
                unsigned char g = fi.pix[(size_t)y * fi.width + x];
                int X = x0 + x, Y = y0 + y;
                if (X < 0 || Y < 0 || X >= W || Y >= H)
                    continue;
                unsigned char *d = &pix[(size_t)Y * W + X];
                if (g < *d)
                    *d = g;
                if (touch[(size_t)y * fi.width + x]) { /* where the finger touched: its box */
                    if (X < l)
                        l = X;
                    if (X > rgt)
                        rgt = X;
                    if (Y < t)
                        t = Y;
                    if (Y > b)
                        b = Y;
                }
            }
        synthfp_image_free(&fi);
        free(touch);
        if (rgt >= l && b >= t)
            boxes[nb++] = (struct synthfp_box){pos[k], l, rgt + 1, t, b + 1};
    }
    ret->width = W;
    ret->height = H;
    ret->pix = pix;
    memcpy(ret_boxes, boxes, sizeof(boxes[0]) * (size_t)nb);
    *ret_nboxes = nb;
    return 0;
}

void synthfp_image_free(struct synthfp_image *img)
{
    if (!img)
        return;
    free(img->pix);
    img->pix = NULL;
    img->width = img->height = 0;
}
