/* libFuzzer target for bio/vault's two readers of outside bytes: the key
 * file (hex lines) and the encrypted file's framing (magic, key id,
 * secretstream header, chunks). The input is written to a file, as both
 * read files; the file is read as a key file and as a vault file under a
 * fixed key whose id (01..08, in vault.dict) the fuzzer can reach. A file
 * that opens must be one the fixed key sealed: libFuzzer cannot forge a
 * Poly1305 tag, so any success on mutated framing would be a bug. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bio/vault.h"

static void write_input(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        __builtin_trap();
    if (size && write(fd, data, size) != (ssize_t)size)
        __builtin_trap();
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof path, "/tmp/fuzz-vault-%d", (int)getpid());
    write_input(path, data, size);

    vault_keys_t loaded;
    err_t err;
    if (vault_keys_load(path, &loaded, &err) == 0) {
        if (loaded.n == 0 || loaded.n > VAULT_MAX_KEYS)
            __builtin_trap();
        vault_keys_wipe(&loaded);
    }

    vault_keys_t fixed = {.n = 1};
    for (int i = 0; i < VAULT_ID_BYTES; i++)
        fixed.id[0][i] = (uint8_t)(i + 1);
    memset(fixed.key[0], 0x5A, VAULT_KEY_BYTES);
    uint8_t *out = NULL, id[VAULT_ID_BYTES];
    size_t n = 0;
    if (vault_read(&fixed, path, &out, &n, &err) == 0) {
        if (n > size)
            __builtin_trap();
        free(out);
    }
    (void)vault_file_key_id(path, id, &err);
    unlink(path);
    return 0;
}
