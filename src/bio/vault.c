#include "bio/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char MAGIC[8] = {'U', 'C', 'H', 'E', 'T', 'V', 'T', '1'};
#define HDR_BYTES (8 + VAULT_ID_BYTES + crypto_secretstream_xchacha20poly1305_HEADERBYTES)

void vault_keys_wipe(vault_keys_t *k)
{
    if (k)
        sodium_memzero(k, sizeof *k);
}

static int hex_field(const char *s, size_t len, uint8_t *dst, size_t n)
{
    size_t got = 0;
    if (len != 2 * n || sodium_hex2bin(dst, n, s, len, NULL, &got, NULL) != 0 || got != n)
        return -EINVAL;
    return 0;
}

int vault_keys_load(const char *path, vault_keys_t *ret, err_t *err)
{
    char line[256];
    vault_keys_t k = {0};
    FILE *f = fopen(path, "re");
    if (!f)
        return err_set(err, -ENOENT, "vault_no_key_file", "The enrolment key file %s cannot be read.", path);
    int r = 0;
    while (r == 0 && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (n == 0)
            continue;
        char *sp = strchr(line, ' ');
        if (!sp || k.n == VAULT_MAX_KEYS || hex_field(line, (size_t)(sp - line), k.id[k.n], VAULT_ID_BYTES) < 0 ||
            hex_field(sp + 1, strlen(sp + 1), k.key[k.n], VAULT_KEY_BYTES) < 0)
            r = err_set(err, -EINVAL, "vault_bad_key_file", "The enrolment key file %s is malformed.", path);
        else
            k.n++;
    }
    sodium_memzero(line, sizeof line);
    fclose(f);
    if (r == 0 && k.n == 0)
        r = err_set(err, -EINVAL, "vault_bad_key_file", "The enrolment key file %s holds no key.", path);
    if (r == 0)
        *ret = k;
    sodium_memzero(&k, sizeof k);
    return r;
}

/* Writes len bytes to a new temporary file beside dir/name, fsyncs it and
 * renames it over the name, then fsyncs the directory. */
static int write_atomic(
    const char *dir, const char *name, const void *const *parts, const size_t *lens, size_t nparts, err_t *err)
{
    char tmp[1024], dst[1024];
    if ((size_t)snprintf(dst, sizeof dst, "%s/%s", dir, name) >= sizeof dst ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= sizeof tmp)
        return err_set(err, -ENAMETOOLONG, "vault_io", "The path is too long.");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(err, -errno, "vault_io", "A file cannot be created in %s.", dir);
    int r = 0;
    for (size_t i = 0; r == 0 && i < nparts; i++) {
        const uint8_t *p = parts[i];
        size_t left = lens[i];
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                r = -EIO;
                break;
            }
            p += w;
            left -= (size_t)w;
        }
    }
    if (r == 0 && fsync(fd) < 0)
        r = -EIO;
    if (close(fd) < 0 && r == 0)
        r = -EIO;
    if (r == 0 && rename(tmp, dst) < 0)
        r = -EIO;
    if (r < 0) {
        unlink(tmp);
        return err_set(err, r, "vault_io", "Writing a file in %s failed.", dir);
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static void split_path(const char *path, char *dir, size_t cap, const char **ret_name)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        *ret_name = path;
    } else {
        /* The root keeps its slash; otherwise the directory is the text
         * before the last one. Copied by length, not with "%.*s", which
         * GCC at -O1 with sanitizers wrongly calls a null argument. */
        size_t n = slash == path ? 1 : (size_t)(slash - path);
        n = n < cap ? n : cap - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
        *ret_name = slash + 1;
    }
}

int vault_keys_save(const char *path, const vault_keys_t *k, err_t *err)
{
    size_t cap = k->n * (2 * VAULT_ID_BYTES + 2 * VAULT_KEY_BYTES + 2) + 1;
    char *text = malloc(cap), dir[1024];
    const char *name;
    if (!text)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    size_t off = 0;
    for (size_t i = 0; i < k->n; i++) {
        sodium_bin2hex(text + off, 2 * VAULT_ID_BYTES + 1, k->id[i], VAULT_ID_BYTES);
        off += 2 * VAULT_ID_BYTES;
        text[off++] = ' ';
        sodium_bin2hex(text + off, 2 * VAULT_KEY_BYTES + 1, k->key[i], VAULT_KEY_BYTES);
        off += 2 * VAULT_KEY_BYTES;
        text[off++] = '\n';
    }
    split_path(path, dir, sizeof dir, &name);
    const void *parts[] = {text};
    int r = write_atomic(dir, name, parts, &off, 1, err);
    sodium_memzero(text, cap);
    free(text);
    return r;
}

int vault_keys_add_new(vault_keys_t *k, err_t *err)
{
    (void)err;
    size_t keep = k->n < VAULT_MAX_KEYS ? k->n : VAULT_MAX_KEYS - 1;
    memmove(k->id[1], k->id[0], keep * VAULT_ID_BYTES);
    memmove(k->key[1], k->key[0], keep * VAULT_KEY_BYTES);
    randombytes_buf(k->id[0], VAULT_ID_BYTES);
    crypto_secretstream_xchacha20poly1305_keygen(k->key[0]);
    k->n = keep + 1;
    return 0;
}

int vault_keys_init(const char *path, err_t *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return err_set(err, -EEXIST, "vault_key_exists", "%s exists already; rotate it instead.", path);
    vault_keys_t k = {0};
    vault_keys_add_new(&k, err);
    int r = vault_keys_save(path, &k, err);
    vault_keys_wipe(&k);
    return r;
}

int vault_write(const vault_keys_t *k, const char *dir, const char *name, const void *data, size_t len, err_t *err)
{
    if (k->n == 0)
        return err_set(err, -EINVAL, "vault_no_key", "No enrolment key is loaded.");
    size_t nchunks = len / VAULT_CHUNK + 1;
    size_t out_len = HDR_BYTES + len + nchunks * crypto_secretstream_xchacha20poly1305_ABYTES;
    uint8_t *out = malloc(out_len);
    if (!out)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    crypto_secretstream_xchacha20poly1305_state st;
    memcpy(out, MAGIC, 8);
    memcpy(out + 8, k->id[0], VAULT_ID_BYTES);
    crypto_secretstream_xchacha20poly1305_init_push(&st, out + 8 + VAULT_ID_BYTES, k->key[0]);
    size_t off = HDR_BYTES;
    const uint8_t *p = data;
    for (size_t i = 0; i < nchunks; i++) {
        size_t n = i + 1 == nchunks ? len - i * VAULT_CHUNK : VAULT_CHUNK;
        unsigned char tag = i + 1 == nchunks ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                             : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(&st, out + off, &clen, p + i * VAULT_CHUNK, n, NULL, 0, tag);
        off += (size_t)clen;
    }
    sodium_memzero(&st, sizeof st);
    const void *parts[] = {out};
    int r = write_atomic(dir, name, parts, &off, 1, err);
    free(out);
    return r;
}

static int read_all(const char *path, uint8_t **ret, size_t *ret_len, err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0)
        return err_set(err, -ENOENT, "vault_io", "The file cannot be opened.");
    if (fstat(fd, &sb) < 0 || sb.st_size < 0 || (uint64_t)sb.st_size > (uint64_t)1 << 31) {
        close(fd);
        return err_set(err, -EIO, "vault_io", "The file cannot be read.");
    }
    size_t len = (size_t)sb.st_size, got = 0;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        close(fd);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (got != len) {
        free(buf);
        return err_set(err, -EIO, "vault_io", "The file cannot be read.");
    }
    *ret = buf;
    *ret_len = len;
    return 0;
}

int vault_file_key_id(const char *path, uint8_t ret[VAULT_ID_BYTES], err_t *err)
{
    uint8_t *buf;
    size_t len;
    int r = read_all(path, &buf, &len, err);
    if (r < 0)
        return r;
    if (len < HDR_BYTES || memcmp(buf, MAGIC, 8) != 0)
        r = err_set(err, -EINVAL, "vault_bad_file", "Not an enrolment vault file.");
    else
        memcpy(ret, buf + 8, VAULT_ID_BYTES);
    free(buf);
    return r;
}

int vault_read(const vault_keys_t *k, const char *path, uint8_t **ret, size_t *ret_len, err_t *err)
{
    uint8_t *buf, *out = NULL;
    size_t len, out_len = 0;
    int r = read_all(path, &buf, &len, err);
    if (r < 0)
        return r;
    const size_t A = crypto_secretstream_xchacha20poly1305_ABYTES;
    if (len < HDR_BYTES + A || memcmp(buf, MAGIC, 8) != 0) {
        free(buf);
        return err_set(err, -EINVAL, "vault_bad_file", "Not an enrolment vault file.");
    }
    size_t ki = 0;
    while (ki < k->n && memcmp(k->id[ki], buf + 8, VAULT_ID_BYTES) != 0)
        ki++;
    if (ki == k->n) {
        free(buf);
        return err_set(
            err, -ENOKEY, "vault_unknown_key", "The file was written under a key the key file does not hold.");
    }
    crypto_secretstream_xchacha20poly1305_state st;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&st, buf + 8 + VAULT_ID_BYTES, k->key[ki]) != 0 ||
        !(out = malloc(len))) {
        free(buf);
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    }
    size_t off = HDR_BYTES;
    bool final = false;
    r = 0;
    while (r == 0 && off < len && !final) {
        size_t clen = len - off < VAULT_CHUNK + A ? len - off : VAULT_CHUNK + A;
        unsigned long long mlen;
        unsigned char tag;
        if (clen < A ||
            crypto_secretstream_xchacha20poly1305_pull(&st, out + out_len, &mlen, &tag, buf + off, clen, NULL, 0) != 0)
            r = -EINVAL;
        else {
            out_len += (size_t)mlen;
            off += clen;
            final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        }
    }
    sodium_memzero(&st, sizeof st);
    free(buf);
    if (r == 0 && (!final || off != len))
        r = -EINVAL;
    if (r < 0) {
        sodium_memzero(out, out_len);
        free(out);
        return err_set(err, -EINVAL, "vault_bad_file", "The file is damaged, cut short or altered.");
    }
    *ret = out;
    *ret_len = out_len;
    return 0;
}
