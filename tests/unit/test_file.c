/* Tests for base/file: a whole small file read with its checks — the exact
 * cap, one byte over it, an empty file, a missing one, a directory, a FIFO
 * (refused at once, not waited on), a symbolic link (followed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/file.h"

static char dir[64];
static char path[128];

static const char *at(const char *name)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static void write_file(const char *name, size_t len)
{
    FILE *f = fopen(at(name), "wb");
    assert_non_null(f);
    for (size_t i = 0; i < len; i++)
        fputc('a' + (int)(i % 26), f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/uchet_test_file.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *names[] = {"exact", "over", "empty", "fifo", "link", "sub"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (unlink(at(names[i])) < 0)
            rmdir(at(names[i]));
    rmdir(dir);
    return 0;
}

/* A file of exactly the cap is read whole and NUL-terminated; one byte
 * more is refused, never cut short. */
static void test_exact_cap_and_one_over(void **state)
{
    (void)state;
    char buf[17];
    size_t n = 99;
    memset(buf, 'x', sizeof buf);
    write_file("exact", 16);
    assert_int_equal(file_read_into(at("exact"), buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 16);
    assert_string_equal(buf, "abcdefghijklmnop");

    write_file("over", 17);
    err_t err = {0};
    n = 99;
    assert_int_equal(file_read_into(at("over"), buf, sizeof buf, &n, &err), -EFBIG);
    assert_string_equal(err.code, "file_too_large");
    assert_int_equal(n, 99);

    char *s = NULL;
    assert_int_equal(file_read_alloc(at("exact"), 16, &s, &n, NULL), 0);
    assert_int_equal(n, 16);
    assert_string_equal(s, "abcdefghijklmnop");
    free(s);
    s = NULL;
    assert_int_equal(file_read_alloc(at("exact"), 15, &s, &n, &err), -EFBIG);
    assert_string_equal(err.code, "file_too_large");
    assert_null(s);
}

static void test_empty(void **state)
{
    (void)state;
    char buf[4] = "zzz";
    size_t n = 99;
    write_file("empty", 0);
    assert_int_equal(file_read_into(at("empty"), buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_string_equal(buf, "");
    char *s = NULL;
    assert_int_equal(file_read_alloc(at("empty"), 0, &s, NULL, NULL), 0);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_missing(void **state)
{
    (void)state;
    char buf[8];
    size_t n = 99;
    err_t err = {0};
    assert_int_equal(file_read_into(at("nothing-here"), buf, sizeof buf, &n, &err), -ENOENT);
    assert_string_equal(err.code, "file_unreadable");
    assert_int_equal(n, 99);
}

/* A directory, and a FIFO with no writer: refused at once. Opened without
 * O_NONBLOCK the FIFO would wait forever; the alarm fails the test instead
 * of hanging it. */
static void test_not_regular(void **state)
{
    (void)state;
    char buf[8];
    size_t n = 99;
    err_t err = {0};
    assert_int_equal(mkdir(at("sub"), 0700), 0);
    assert_int_equal(file_read_into(at("sub"), buf, sizeof buf, &n, &err), -EINVAL);
    assert_string_equal(err.code, "file_not_regular");
    assert_int_equal(mkfifo(at("fifo"), 0600), 0);
    alarm(5);
    assert_int_equal(file_read_into(at("fifo"), buf, sizeof buf, &n, &err), -EINVAL);
    alarm(0);
    assert_string_equal(err.code, "file_not_regular");
    assert_int_equal(n, 99);
}

/* Key files are often linked into place: a link to a regular file is read. */
static void test_link_followed(void **state)
{
    (void)state;
    char buf[32], target[128];
    size_t n = 0;
    write_file("exact", 16);
    snprintf(target, sizeof target, "%s", at("exact"));
    assert_int_equal(symlink(target, at("link")), 0);
    assert_int_equal(file_read_into(at("link"), buf, sizeof buf, &n, NULL), 0);
    assert_int_equal(n, 16);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char buf[4];
    size_t n;
    err_t err = {0};
    assert_int_equal(file_read_into(NULL, buf, sizeof buf, &n, &err), -EINVAL);
    assert_string_equal(err.code, "file_invalid");
    assert_int_equal(file_read_into(at("exact"), buf, 0, &n, NULL), -EINVAL);
    assert_int_equal(file_read_alloc(at("exact"), 4, NULL, &n, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_cap_and_one_over),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_not_regular),
        cmocka_unit_test(test_link_followed),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
