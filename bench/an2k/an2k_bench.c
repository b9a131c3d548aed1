/* an2k_bench: time to build a full enrolment transaction (three 4-4-2 slaps,
 * two full palms, a face, a signature) and to encrypt it with libsodium's
 * secretstream, as uchet stores it. Images are stand-ins of realistic encoded
 * size: a valid PNG header and random (incompressible) bytes, since the writer
 * copies encoded images and never decodes them.
 *
 *   an2k_bench [runs]     prints min/median/max per step in ms (default 30)
 *
 * Two ways: an2k_write (one buffer) then secretstream over 64 KiB chunks;
 * an2k_write_stream straight into secretstream (each piece one message, the
 * images never copied).
 *
 * Sizes assumed (500 ppi, lossless PNG at about half the raw size):
 * four-finger slap 1600 x 1500 -> 1.2 MB, thumbs 1000 x 1000 -> 0.5 MB,
 * full palm 2750 x 4000 -> 5.5 MB, face 768 x 1024 RGB -> 1.3 MB. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bio/an2k.h"

static uint8_t *fake_png(uint32_t w, uint32_t h, uint8_t colour, size_t size)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    uint8_t *p = malloc(size);
    if (!p)
        return NULL;
    randombytes_buf(p, size);
    memcpy(p, sig, 8);
    const uint8_t ihdr[17] = {0, 0, 0, 13, 'I', 'H', 'D', 'R', (uint8_t)(w >> 24), (uint8_t)(w >> 16),
        (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h, 8};
    memcpy(p + 8, ihdr, sizeof(ihdr));
    p[25] = colour;
    return p;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* secretstream over 64 KiB chunks; returns the ciphertext length. */
static size_t encrypt(const uint8_t *key, const uint8_t *in, size_t len, uint8_t *out)
{
    crypto_secretstream_xchacha20poly1305_state st;
    size_t at = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    crypto_secretstream_xchacha20poly1305_init_push(&st, out, key);
    const size_t chunk = 64 * 1024;
    size_t off = 0;
    do {
        size_t n = len - off < chunk ? len - off : chunk;
        unsigned char tag = off + n >= len ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(&st, out + at, &clen, in + off, n, NULL, 0, tag);
        at += (size_t)clen;
        off += n;
    } while (off < len);
    return at;
}

struct stream_ctx {
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *out;
    size_t len;
};

static int stream_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct stream_ctx *s = ctx;
    unsigned long long clen;
    crypto_secretstream_xchacha20poly1305_push(&s->st, s->out + s->len, &clen, p, n, NULL, 0, 0);
    s->len += (size_t)clen;
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 30;
    if (runs < 1 || runs > 10000 || sodium_init() < 0)
        return 1;
    struct an2k_slap slaps[3];
    memset(slaps, 0, sizeof(slaps));
    const uint8_t fgp[3] = {13, 14, 15};
    for (int i = 0; i < 3; i++) {
        uint32_t w = i < 2 ? 1600 : 1000, h = i < 2 ? 1500 : 1000;
        size_t size = i < 2 ? 1200000 : 500000;
        slaps[i].fgp = fgp[i];
        slaps[i].image = (struct an2k_image){fake_png(w, h, 0, size), size, w, h, 500, false};
        int nf = i < 2 ? 4 : 2;
        for (int k = 0; k < nf; k++) {
            uint8_t f = i == 0 ? (uint8_t)(2 + k) : i == 1 ? (uint8_t)(7 + k) : (k ? 6 : 1);
            slaps[i].seg[k] =
                (struct an2k_seg){f, (uint32_t)k * (w / nf) + 10, (uint32_t)(k + 1) * (w / nf) - 10, 100, h - 100};
            slaps[i].quality[k] = (struct an2k_quality){f, 60, 0x0101, 1};
        }
        slaps[i].nseg = slaps[i].nquality = (size_t)nf;
    }
    struct an2k_palm palms[2] = {
        {.fgp = 21, .image = {fake_png(2750, 4000, 0, 5500000), 5500000, 2750, 4000, 500, false}},
        {.fgp = 23, .image = {fake_png(2750, 4000, 0, 5500000), 5500000, 2750, 4000, 500, false}},
    };
    struct an2k_face face = {.image = {fake_png(768, 1024, 2, 1300000), 1300000, 768, 1024, 300, false},
        .sap = 40,
        .has_eyes = true,
        .left_eye_x = 430,
        .left_eye_y = 450,
        .right_eye_x = 338,
        .right_eye_y = 452};
    struct an2k_pen pens[2000];
    for (int i = 0; i < 2000; i++)
        pens[i] =
            (struct an2k_pen){(uint16_t)(100 + i), (uint16_t)(300 + (i * 7) % 200), (uint8_t)(i % 50 == 0 ? 0 : 128)};
    struct an2k_signature sig = {pens, 2000};
    struct an2k_transaction t = {.tcn = "E2025000123",
        .tot = "ENR",
        .dai = "UCHETAFIS",
        .ori = "UCHETKIOSK01",
        .when = 1764840000,
        .person = {"Эргашев", "Бахтиёр", "ERGASHEV", "BAKHTIYOR", "19950412", 'M', "UZB", "P", "UZB", "FA1234567",
            "20300101"},
        .slaps = slaps,
        .nslaps = 3,
        .palms = palms,
        .npalms = 2,
        .face = &face,
        .signature = &sig};

    double *build = calloc((size_t)runs, sizeof(double)), *enc = calloc((size_t)runs, sizeof(double));
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    crypto_secretstream_xchacha20poly1305_keygen(key);
    size_t total = 0, enc_len = 0;
    for (int r = -1; r < runs; r++) { /* r = -1: a warm-up run, not counted */
        uint8_t *out = NULL;
        size_t len = 0;
        err_t e = {0};
        double t0 = now_ms();
        if (an2k_write(&t, &out, &len, &e) < 0) {
            fprintf(stderr, "an2k_write: %s %s\n", e.code, e.msg);
            return 1;
        }
        double t1 = now_ms();
        size_t cap = len + (len / (64 * 1024) + 2) * crypto_secretstream_xchacha20poly1305_ABYTES +
                     crypto_secretstream_xchacha20poly1305_HEADERBYTES;
        uint8_t *c = malloc(cap);
        if (!c)
            return 1;
        enc_len = encrypt(key, out, len, c);
        double t2 = now_ms();
        if (r >= 0) {
            build[r] = t1 - t0;
            enc[r] = t2 - t1;
        }
        total = len;
        free(c);
        free(out);
    }
    double *stream = calloc((size_t)runs, sizeof(double));
    size_t stream_len = 0;
    uint8_t *sbuf = malloc(total * 2 + 65536);
    if (!stream || !sbuf)
        return 1;
    for (int r = -1; r < runs; r++) {
        struct stream_ctx sc = {.out = sbuf};
        err_t e = {0};
        size_t len = 0;
        double t0 = now_ms();
        crypto_secretstream_xchacha20poly1305_init_push(&sc.st, sc.out, key);
        sc.len = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
        if (an2k_write_stream(&t, stream_sink, &sc, &len, &e) < 0) {
            fprintf(stderr, "an2k_write_stream: %s %s\n", e.code, e.msg);
            return 1;
        }
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(
            &sc.st, sc.out + sc.len, &clen, NULL, 0, NULL, 0, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
        sc.len += (size_t)clen;
        if (r >= 0)
            stream[r] = now_ms() - t0;
        stream_len = sc.len;
    }
    qsort(stream, (size_t)runs, sizeof(double), cmp);
    qsort(build, (size_t)runs, sizeof(double), cmp);
    qsort(enc, (size_t)runs, sizeof(double), cmp);
    printf("transaction: %zu bytes (%zu encrypted), %d runs after a warm-up\n", total, enc_len, runs);
    int p95 = runs * 95 / 100;
    printf(
        "build   ms: min %.2f median %.2f p95 %.2f max %.2f\n", build[0], build[runs / 2], build[p95], build[runs - 1]);
    printf("encrypt ms: min %.2f median %.2f p95 %.2f max %.2f\n", enc[0], enc[runs / 2], enc[p95], enc[runs - 1]);
    printf("total   ms (median build + median encrypt): %.2f\n", build[runs / 2] + enc[runs / 2]);
    printf("stream build+encrypt ms: min %.2f median %.2f p95 %.2f max %.2f (%zu bytes)\n", stream[0], stream[runs / 2],
        stream[p95], stream[runs - 1], stream_len);
    free(stream);
    free(sbuf);
    free(build);
    free(enc);
    for (int i = 0; i < 3; i++)
        free((void *)slaps[i].image.data);
    free((void *)palms[0].image.data);
    free((void *)palms[1].image.data);
    free((void *)face.image.data);
    return 0;
}
