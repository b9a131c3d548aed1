/* an2k_tool: the C writer and reader from the command line, for the
 * independent-reader tests (tests/bio/test_an2k_reader.py) and for looking at
 * a transaction by hand.
 *
 *   an2k_tool write SPEC.json OUT   build a transaction from a JSON description
 *   an2k_tool check [--strict] FILE parse; print "ok <records>" or the error
 *   an2k_tool dump FILE             records, fields, subfields and items as JSON
 *
 * SPEC.json: {"tcn","tot","dai","ori","when" (Unix seconds),
 *   "person": {surname, given_names, surname_latin, given_latin, birth_date,
 *              sex, citizenship, doc_code, doc_issuer, doc_number, doc_expiry},
 *   "slaps": [{"fgp", "image": {"file","width","height","ppi","jp2l"},
 *              "seg": [[fgp,l,r,t,b]...], "missing": [[fgp,"XX"|"UP"]...],
 *              "quality": [[fgp,score,vendor,product]...]}],
 *   "palms": [{"fgp", "image", "quality"}], "face": {"image","sap","eyes":[lx,ly,rx,ry]},
 *   "signature": [[x,y,pressure]...]}
 * Exit status: 0 success, 2 the library's error ("error <code>: <message>"
 * on stderr), 1 usage or I/O. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "bio/an2k.h"

static uint8_t *slurp(const char *path, size_t *ret_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    uint8_t *p = malloc(cap);
    while (p) {
        size_t n = fread(p + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
        if (len == cap) {
            if (cap >= (size_t)LIMIT_AN2K_BYTES * 2) {
                free(p);
                p = NULL;
                break;
            }
            uint8_t *np = realloc(p, cap * 2);
            if (!np) {
                free(p);
                p = NULL;
                break;
            }
            p = np;
            cap *= 2;
        }
    }
    fclose(f);
    *ret_len = len;
    return p;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static unsigned long num(const json_t *o, const char *k)
{
    return (unsigned long)json_integer_value(json_object_get(o, k));
}

static unsigned long at(const json_t *a, size_t i)
{
    return (unsigned long)json_integer_value(json_array_get(a, i));
}

/* Loaded image files, freed at exit. */
static uint8_t *loaded[16];
static size_t nloaded;

static int image(const json_t *o, struct an2k_image *im)
{
    size_t len = 0;
    const char *file = str(o, "file");
    if (!file || nloaded == sizeof(loaded) / sizeof(loaded[0]))
        return -1;
    uint8_t *p = slurp(file, &len);
    if (!p)
        return -1;
    loaded[nloaded++] = p;
    im->data = p;
    im->len = len;
    im->width = (uint32_t)num(o, "width");
    im->height = (uint32_t)num(o, "height");
    im->ppi = (uint32_t)num(o, "ppi");
    im->jp2l = json_is_true(json_object_get(o, "jp2l"));
    return 0;
}

static void quality(const json_t *a, struct an2k_quality *q, size_t *n)
{
    size_t i;
    json_t *v;
    *n = 0;
    json_array_foreach (a, i, v) {
        if (*n == AN2K_QUALITY_MAX)
            break;
        q[*n] = (struct an2k_quality){(uint8_t)at(v, 0), (uint8_t)at(v, 1), (uint16_t)at(v, 2), (uint16_t)at(v, 3)};
        (*n)++;
    }
}

static int cmd_write(const char *spec_path, const char *out_path)
{
    json_error_t je;
    json_t *s = json_load_file(spec_path, 0, &je);
    if (!s) {
        fprintf(stderr, "an2k_tool: %s: %s\n", spec_path, je.text);
        return 1;
    }
    struct an2k_transaction t = {0};
    struct an2k_slap slaps[3];
    struct an2k_palm palms[4];
    struct an2k_face face;
    struct an2k_pen *pens = NULL;
    struct an2k_signature sig;
    memset(slaps, 0, sizeof(slaps));
    memset(palms, 0, sizeof(palms));
    memset(&face, 0, sizeof(face));
    int status = 1;
    t.tcn = str(s, "tcn");
    t.tot = str(s, "tot");
    t.dai = str(s, "dai");
    t.ori = str(s, "ori");
    t.when = (time_t)json_integer_value(json_object_get(s, "when"));
    const json_t *p = json_object_get(s, "person");
    t.person.surname = str(p, "surname");
    t.person.given_names = str(p, "given_names");
    t.person.surname_latin = str(p, "surname_latin");
    t.person.given_latin = str(p, "given_latin");
    t.person.birth_date = str(p, "birth_date");
    const char *sex = str(p, "sex");
    t.person.sex = sex && sex[0] ? sex[0] : '?';
    t.person.citizenship = str(p, "citizenship");
    t.person.doc_code = str(p, "doc_code");
    t.person.doc_issuer = str(p, "doc_issuer");
    t.person.doc_number = str(p, "doc_number");
    t.person.doc_expiry = str(p, "doc_expiry");

    size_t i, k;
    json_t *v, *w;
    json_array_foreach (json_object_get(s, "slaps"), i, v) {
        if (i == 3 || image(json_object_get(v, "image"), &slaps[i].image) < 0)
            goto io;
        slaps[i].fgp = (uint8_t)num(v, "fgp");
        json_array_foreach (json_object_get(v, "seg"), k, w) {
            if (k < AN2K_SLAP_FINGERS) {
                slaps[i].seg[k] = (struct an2k_seg){
                    (uint8_t)at(w, 0), (uint32_t)at(w, 1), (uint32_t)at(w, 2), (uint32_t)at(w, 3), (uint32_t)at(w, 4)};
                slaps[i].nseg = k + 1;
            }
        }
        json_array_foreach (json_object_get(v, "missing"), k, w) {
            if (k < AN2K_SLAP_FINGERS) {
                const char *code = json_string_value(json_array_get(w, 1));
                slaps[i].missing[k].fgp = (uint8_t)at(w, 0);
                slaps[i].missing[k].unable_to_print = code && strcmp(code, "UP") == 0;
                slaps[i].nmissing = k + 1;
            }
        }
        quality(json_object_get(v, "quality"), slaps[i].quality, &slaps[i].nquality);
        t.nslaps = i + 1;
    }
    t.slaps = slaps;
    json_array_foreach (json_object_get(s, "palms"), i, v) {
        if (i == 4 || image(json_object_get(v, "image"), &palms[i].image) < 0)
            goto io;
        palms[i].fgp = (uint8_t)num(v, "fgp");
        quality(json_object_get(v, "quality"), palms[i].quality, &palms[i].nquality);
        t.npalms = i + 1;
    }
    t.palms = palms;
    const json_t *f = json_object_get(s, "face");
    if (f) {
        if (image(json_object_get(f, "image"), &face.image) < 0)
            goto io;
        face.sap = (uint16_t)num(f, "sap");
        const json_t *eyes = json_object_get(f, "eyes");
        if (eyes) {
            face.has_eyes = true;
            face.left_eye_x = (uint32_t)at(eyes, 0);
            face.left_eye_y = (uint32_t)at(eyes, 1);
            face.right_eye_x = (uint32_t)at(eyes, 2);
            face.right_eye_y = (uint32_t)at(eyes, 3);
        }
        t.face = &face;
    }
    const json_t *sg = json_object_get(s, "signature");
    if (sg) {
        size_t n = json_array_size(sg);
        pens = calloc(n ? n : 1, sizeof(*pens));
        if (!pens)
            goto io;
        json_array_foreach (sg, i, v) {
            pens[i] = (struct an2k_pen){(uint16_t)at(v, 0), (uint16_t)at(v, 1), (uint8_t)at(v, 2)};
        }
        sig.points = pens;
        sig.npoints = n;
        t.signature = &sig;
    }

    uint8_t *out = NULL;
    size_t len = 0;
    err_t e = {0};
    if (an2k_write(&t, &out, &len, &e) < 0) {
        fprintf(stderr, "error %s: %s\n", e.code, e.msg);
        status = 2;
        goto done;
    }
    FILE *o = fopen(out_path, "wb");
    if (!o || fwrite(out, 1, len, o) != len) {
        if (o)
            fclose(o);
        free(out);
        goto io;
    }
    status = fclose(o) == 0 ? 0 : 1;
    free(out);
    goto done;
io:
    fprintf(stderr, "an2k_tool: cannot read an image or write the output\n");
    status = 1;
done:
    free(pens);
    for (size_t n = 0; n < nloaded; n++)
        free(loaded[n]);
    json_decref(s);
    return status;
}

static int cmd_check(const char *path, unsigned flags, bool dump)
{
    size_t len = 0;
    uint8_t *buf = slurp(path, &len);
    if (!buf) {
        fprintf(stderr, "an2k_tool: cannot read %s\n", path);
        return 1;
    }
    struct an2k *t = NULL;
    err_t e = {0};
    if (an2k_parse(buf, len, flags, &t, &e) < 0) {
        fprintf(stderr, "error %s: %s\n", e.code, e.msg);
        free(buf);
        return 2;
    }
    if (!dump) {
        printf("ok %zu\n", t->nrecords);
    } else {
        json_t *recs = json_array();
        for (size_t i = 0; i < t->nrecords; i++) {
            const struct an2k_record *r = &t->records[i];
            json_t *fields = json_array();
            for (size_t f = 0; f < r->nfields; f++) {
                const struct an2k_field *fd = &r->fields[f];
                json_t *subs = json_array();
                if (fd->num != 999) {
                    for (size_t s = 0; s < an2k_field_subfields(fd); s++) {
                        json_t *its = json_array();
                        for (size_t k = 0; k < an2k_field_items(fd, s); k++) {
                            const uint8_t *p;
                            size_t n;
                            an2k_field_item(fd, s, k, &p, &n);
                            json_array_append_new(its, json_stringn_nocheck((const char *)p, n));
                        }
                        json_array_append_new(subs, its);
                    }
                }
                json_array_append_new(fields, json_pack("{s:i,s:i,s:o,s:I}", "type", fd->tag_type, "num", fd->num,
                                                  "subfields", subs, "len", (json_int_t)fd->len));
            }
            json_array_append_new(
                recs, json_pack("{s:i,s:i,s:I,s:b,s:I,s:o}", "type", r->type, "idc", r->idc, "len", (json_int_t)r->len,
                          "binary", r->binary, "data_len", (json_int_t)r->data_len, "fields", fields));
        }
        char *text = json_dumps(recs, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (text)
            puts(text);
        free(text);
        json_decref(recs);
    }
    an2k_free(t);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "write") == 0)
        return cmd_write(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return cmd_check(argv[2], 0, false);
    if (argc == 4 && strcmp(argv[1], "check") == 0 && strcmp(argv[2], "--strict") == 0)
        return cmd_check(argv[3], AN2K_STRICT, false);
    if (argc == 3 && strcmp(argv[1], "dump") == 0)
        return cmd_check(argv[2], 0, true);
    fprintf(stderr, "usage: an2k_tool write SPEC.json OUT | check [--strict] FILE | dump FILE\n");
    return 1;
}
