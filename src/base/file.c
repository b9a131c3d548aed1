/* file: a whole small file, read once and checked (see file.h). */
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens path for reading if it is a regular file of at most max bytes;
 * the descriptor in *ret_fd (the caller closes it). O_NONBLOCK so that a
 * FIFO in a key's place is refused instead of waiting for a writer. */
static int open_regular(const char *path, size_t max, int *ret_fd, err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return err_set(err, -errno, "file_unreadable", "cannot open %s", path);
    struct stat st;
    int r = 0;
    if (fstat(fd, &st) < 0)
        r = err_set(err, -errno, "file_unreadable", "cannot read %s", path);
    else if (!S_ISREG(st.st_mode))
        r = err_set(err, -EINVAL, "file_not_regular", "%s is not a regular file", path);
    else if ((unsigned long long)st.st_size > max)
        r = err_set(err, -EFBIG, "file_too_large", "%s is larger than %zu bytes", path, max);
    if (r < 0) {
        close(fd);
        return r;
    }
    *ret_fd = fd;
    return 0;
}

/* Reads fd to its end into buf[0..cap); the byte count, or a negative code.
 * Filling buf means the file is larger than cap - 1 bytes (it may have grown
 * since fstat): refused, so a file is never taken cut short. */
static int read_all(int fd, const char *path, char *buf, size_t cap, size_t *ret_len, err_t *err)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return err_set(err, -EIO, "file_unreadable", "cannot read %s", path);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n == cap)
        return err_set(err, -EFBIG, "file_too_large", "%s is larger than %zu bytes", path, cap - 1);
    *ret_len = n;
    return 0;
}

int file_read_into(const char *path, char *buf, size_t cap, size_t *ret_len, err_t *err)
{
    if (!path || !buf || cap == 0 || !ret_len)
        return err_set(err, -EINVAL, "file_invalid", "invalid arguments to file_read_into");
    int fd = -1;
    int r = open_regular(path, cap - 1, &fd, err);
    if (r < 0)
        return r;
    size_t n = 0;
    r = read_all(fd, path, buf, cap, &n, err);
    close(fd);
    if (r < 0)
        return r;
    buf[n] = '\0';
    *ret_len = n;
    return 0;
}

int file_read_alloc(const char *path, size_t max, char **ret, size_t *ret_len, err_t *err)
{
    if (!ret || max == (size_t)-1)
        return err_set(err, -EINVAL, "file_invalid", "invalid arguments to file_read_alloc");
    char *buf = malloc(max + 1);
    if (!buf)
        return err_set(err, -ENOMEM, "out_of_memory", "out of memory");
    size_t n = 0;
    int r = file_read_into(path, buf, max + 1, &n, err);
    if (r < 0) {
        free(buf);
        return r;
    }
    *ret = buf;
    if (ret_len)
        *ret_len = n;
    return 0;
}
