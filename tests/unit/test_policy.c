/* Unit tests for src/rules/policy.c: who has the duty (rule 1) and minors
 * coming of age (rule 9). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/policy.h"

static date_t ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

static void test_purpose_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        purpose_t value;
    } all[] = {
        {"work", PURPOSE_WORK},
        {"study", PURPOSE_STUDY},
        {"private", PURPOSE_PRIVATE},
        {"tourism", PURPOSE_TOURISM},
        {"business", PURPOSE_BUSINESS},
        {"other", PURPOSE_OTHER},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        purpose_t p = 0;
        assert_int_equal(policy_purpose_parse(all[i].name, &p), 0);
        assert_int_equal(p, all[i].value);
        assert_string_equal(policy_purpose_name(all[i].value), all[i].name);
    }
    static const char *const bad[] = {"Work", "WORK", "work ", " work", "", "labour", "visa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        purpose_t p = PURPOSE_OTHER;
        assert_int_equal(policy_purpose_parse(bad[i], &p), -EINVAL);
        assert_int_equal(p, PURPOSE_OTHER); /* not written */
    }
    purpose_t p;
    assert_int_equal(policy_purpose_parse(NULL, &p), -EINVAL);
    assert_null(policy_purpose_name((purpose_t)0));
    assert_null(policy_purpose_name((purpose_t)7));
    assert_null(policy_purpose_name((purpose_t)-1));
}

static void test_entry_regime_names(void **state)
{
    (void)state;
    entry_regime_t e = 0;
    assert_int_equal(policy_entry_regime_parse("visa_free", &e), 0);
    assert_int_equal(e, ENTRY_VISA_FREE);
    assert_int_equal(policy_entry_regime_parse("visa", &e), 0);
    assert_int_equal(e, ENTRY_VISA);
    assert_string_equal(policy_entry_regime_name(ENTRY_VISA_FREE), "visa_free");
    assert_string_equal(policy_entry_regime_name(ENTRY_VISA), "visa");
    static const char *const bad[] = {"visa-free", "VISA", "visafree", "", "work"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e = ENTRY_VISA;
        assert_int_equal(policy_entry_regime_parse(bad[i], &e), -EINVAL);
        assert_int_equal(e, ENTRY_VISA);
    }
    assert_int_equal(policy_entry_regime_parse(NULL, &e), -EINVAL);
    assert_null(policy_entry_regime_name((entry_regime_t)0));
    assert_null(policy_entry_regime_name((entry_regime_t)3));
}

static void test_duty_names(void **state)
{
    (void)state;
    assert_string_equal(policy_duty_name(DUTY_NONE), "none");
    assert_string_equal(policy_duty_name(DUTY_CONFIRM), "confirm");
    assert_string_equal(policy_duty_name(DUTY_MINOR), "minor");
    assert_null(policy_duty_name((duty_t)3));
    assert_null(policy_duty_name((duty_t)-1));
}

static void test_age(void **state)
{
    (void)state;
    date_t birth = ymd(2007, 11, 7);
    assert_int_equal(policy_age_years(birth, ymd(2025, 11, 6)), 17);
    assert_int_equal(policy_age_years(birth, ymd(2025, 11, 7)), 18);
    assert_int_equal(policy_age_years(birth, ymd(2025, 12, 31)), 18);
    assert_int_equal(policy_age_years(birth, ymd(2026, 11, 6)), 18);
    assert_int_equal(policy_age_years(birth, birth), 0);
    assert_int_equal(policy_age_years(birth, birth - 1), -1);
    /* Feb 29 birthdays: adult on Mar 1 in a common year. */
    date_t leap = ymd(2008, 2, 29);
    assert_int_equal(policy_age_years(leap, ymd(2026, 2, 28)), 17);
    assert_int_equal(policy_age_years(leap, ymd(2026, 3, 1)), 18);
    assert_int_equal(policy_age_years(leap, ymd(2012, 2, 28)), 3);
    assert_int_equal(policy_age_years(leap, ymd(2012, 2, 29)), 4);
    /* Born Mar 1 in a leap year: Feb 29 is still before the birthday. */
    assert_int_equal(policy_age_years(ymd(2008, 3, 1), ymd(2028, 2, 29)), 19);
}

static void test_adult_date(void **state)
{
    (void)state;
    assert_int_equal(policy_adult_date(ymd(2007, 11, 7)), ymd(2025, 11, 7));
    assert_int_equal(policy_adult_date(ymd(2008, 2, 29)), ymd(2026, 3, 1));
    assert_int_equal(policy_adult_date(ymd(2008, 12, 31)), ymd(2026, 12, 31));
    /* It agrees with policy_age_years on every day of a leap and a common year. */
    for (date_t b = ymd(2007, 1, 1); b < ymd(2009, 1, 1); b++) {
        date_t a = policy_adult_date(b);
        assert_int_equal(policy_age_years(b, a), 18);
        assert_int_equal(policy_age_years(b, a - 1), 17);
    }
}

static void test_duty(void **state)
{
    (void)state;
    date_t today = ymd(2025, 11, 7);
    date_t adult = ymd(1990, 5, 20), minor = ymd(2010, 1, 1);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, adult, today), DUTY_CONFIRM);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, minor, today), DUTY_MINOR);
    /* 18th birthday exactly, and the day before */
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, ymd(2007, 11, 7), today), DUTY_CONFIRM);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, ymd(2007, 11, 8), today), DUTY_MINOR);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, ymd(2008, 2, 29), ymd(2026, 2, 28)), DUTY_MINOR);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, ymd(2008, 2, 29), ymd(2026, 3, 1)), DUTY_CONFIRM);
    /* Every other purpose and the visa regime: no duty, adult or minor. */
    for (int p = PURPOSE_WORK; p <= PURPOSE_OTHER; p++) {
        for (int e = ENTRY_VISA_FREE; e <= ENTRY_VISA; e++) {
            if (p == PURPOSE_WORK && e == ENTRY_VISA_FREE)
                continue;
            assert_int_equal(policy_duty((purpose_t)p, (entry_regime_t)e, adult, today), DUTY_NONE);
            assert_int_equal(policy_duty((purpose_t)p, (entry_regime_t)e, minor, today), DUTY_NONE);
        }
    }
    /* Out-of-range enums and a birth after today: no duty. */
    assert_int_equal(policy_duty((purpose_t)0, ENTRY_VISA_FREE, adult, today), DUTY_NONE);
    assert_int_equal(policy_duty(PURPOSE_WORK, (entry_regime_t)0, adult, today), DUTY_NONE);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, today + 1, today), DUTY_NONE);
    assert_int_equal(policy_duty(PURPOSE_WORK, ENTRY_VISA_FREE, today, today), DUTY_MINOR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purpose_names),
        cmocka_unit_test(test_entry_regime_names),
        cmocka_unit_test(test_duty_names),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_adult_date),
        cmocka_unit_test(test_duty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
