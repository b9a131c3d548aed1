/* Unit tests of api/config: every setting goes through the one table, from
 * the INI file, the environment or a flag, with its range enforced. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/config.h"

static int set(config_t *c, const char *key, const char *v)
{
    err_t err = {0};
    return config_set(c, key, v, &err);
}

/* Numbers land scaled in their own field type, at both ends of the range. */
static void test_numbers(void **state)
{
    (void)state;
    config_t c;
    config_defaults(&c);
    assert_int_equal(set(&c, "session_idle_days", "7"), 0);
    assert_int_equal(c.session_idle_s, 7 * 86400);
    assert_int_equal(set(&c, "password_recheck_minutes", "1440"), 0);
    assert_int_equal(c.session_recheck_s, 1440 * 60);
    assert_int_equal(set(&c, "argon2_memlimit_kib", "4194304"), 0);
    assert_int_equal(c.argon2_mem, (size_t)4194304 * 1024);
    assert_int_equal(set(&c, "argon2_opslimit", "32"), 0);
    assert_int_equal(c.argon2_ops, 32);
    assert_int_equal(set(&c, "threads", "0"), 0);
    assert_int_equal(c.threads, 0);
    assert_int_equal(set(&c, "kiosk_min_quality", "100"), 0);
    assert_int_equal(c.kiosk_min_quality, 100);
    assert_int_equal(set(&c, "desk_idle_seconds", "60"), 0);
    assert_int_equal(c.desk_idle_seconds, 60);
    assert_int_equal(set(&c, "kiosk_idle_seconds", "86400"), 0);
    assert_int_equal(c.kiosk_idle_seconds, 86400);
    /* the PDF reader's limits: the production defaults until set */
    assert_int_equal(c.docset_pdf_cpu_s, 10);
    assert_int_equal(c.docset_pdf_wall_s, 20);
    assert_int_equal(set(&c, "docset_pdf_cpu_seconds", "1"), 0);
    assert_int_equal(c.docset_pdf_cpu_s, 1);
    assert_int_equal(set(&c, "docset_pdf_wall_seconds", "300"), 0);
    assert_int_equal(c.docset_pdf_wall_s, 300);
}

/* Out of range, signed, spaced or empty numbers are refused and change nothing. */
static void test_numbers_refused(void **state)
{
    (void)state;
    config_t c;
    config_defaults(&c);
    const char *bad[][2] = {
        {"desk_idle_seconds", "59"},
        {"desk_idle_seconds", "86401"},
        {"session_max_days", "0"},
        {"session_max_days", "366"},
        {"threads", "257"},
        {"threads", "-1"},
        {"threads", " 2"},
        {"kiosk_min_quality", "101"},
        {"argon2_opslimit", ""},
        {"argon2_memlimit_kib", "7"},
        {"password_recheck_minutes", "99999999999999999999999"},
        {"kiosk_idle_seconds", "29"},
        {"docset_pdf_cpu_seconds", "0"},
        {"docset_pdf_wall_seconds", "301"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        assert_int_equal(config_set(&c, bad[i][0], bad[i][1], &err), -EINVAL);
        assert_string_equal(err.code, "bad_config");
    }
    config_t fresh;
    config_defaults(&fresh);
    assert_memory_equal(&c, &fresh, sizeof c);
}

static void test_paths_flags_and_custom(void **state)
{
    (void)state;
    config_t c;
    config_defaults(&c);
    assert_int_equal(set(&c, "enrolment_dir", "/var/lib/uchet/enrolment"), 0);
    assert_string_equal(c.enrolment_dir, "/var/lib/uchet/enrolment");
    char long_path[600];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    assert_int_equal(set(&c, "database", long_path), -EINVAL);
    assert_int_equal(set(&c, "no_sweep", "yes"), 0);
    assert_true(c.no_sweep);
    assert_int_equal(set(&c, "no_sweep", "maybe"), -EINVAL);
    assert_int_equal(set(&c, "listen", "[::1]:9000"), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 9000);
    assert_int_equal(set(&c, "metrics_listen", "127.0.0.1:0"), -EINVAL);
    assert_int_equal(set(&c, "public_origin", "https://uchet.example"), 0);
    assert_string_equal(c.public_origin, "https://uchet.example");
    assert_int_equal(set(&c, "public_origin", "http://uchet.example"), -EINVAL);
    assert_int_equal(set(&c, "log_format", "text"), 0);
    assert_false(c.log_json);
    assert_int_equal(set(&c, "clock", "2025-10-31T10:00+03:00"), 0);
    assert_true(c.clock_set);
    assert_int_equal(set(&c, "clock", "yesterday"), -EINVAL);
    assert_int_equal(set(&c, "no_such_setting", "1"), -EINVAL);
}

/* The environment goes through the same table, range checks included. */
static void test_environment(void **state)
{
    (void)state;
    config_t c;
    err_t err = {0};
    config_defaults(&c);
    setenv("UCHET_SESSION_MAX_DAYS", "30", 1);
    setenv("UCHET_DESK_IDLE_SECONDS", "120", 1);
    setenv("UCHET_SBI_TRUST_DIR", "/etc/uchet/sbi", 1);
    assert_int_equal(config_load_env(&c, &err), 0);
    assert_int_equal(c.session_max_s, 30 * 86400);
    assert_int_equal(c.desk_idle_seconds, 120);
    assert_string_equal(c.sbi_trust_dir, "/etc/uchet/sbi");
    setenv("UCHET_DESK_IDLE_SECONDS", "5", 1);
    assert_int_equal(config_load_env(&c, &err), -EINVAL);
    unsetenv("UCHET_SESSION_MAX_DAYS");
    unsetenv("UCHET_DESK_IDLE_SECONDS");
    unsetenv("UCHET_SBI_TRUST_DIR");
}

static void test_ini_file(void **state)
{
    (void)state;
    char path[] = "/tmp/uchet-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[uchetd]\nkiosk_min_quality = 55\nsession_idle_days = 3\n", f);
    fclose(f);
    config_t c;
    err_t err = {0};
    config_defaults(&c);
    assert_int_equal(config_load_file(&c, path, &err), 0);
    assert_int_equal(c.kiosk_min_quality, 55);
    assert_int_equal(c.session_idle_s, 3 * 86400);
    f = fopen(path, "w");
    fputs("[uchetd]\nkiosk_min_quality = 555\n", f);
    fclose(f);
    assert_int_equal(config_load_file(&c, path, &err), -EINVAL);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_refused),
        cmocka_unit_test(test_paths_flags_and_custom),
        cmocka_unit_test(test_environment),
        cmocka_unit_test(test_ini_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
