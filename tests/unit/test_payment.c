/* docset/payment: a receipt's ГОСТ Р 56042-2014 payment QR code — what it
 * pays (by its КБК), the sum, and the months a patent tax payment's purpose
 * states. Payloads as banks print them: the Sberbank-style field order of
 * the standard's Annex examples, with the budget details (CBC, OKTMO,
 * PayeeINN, KPP) a tax or fee payment carries. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "docset/payment.h"

#define HEAD "ST00012|Name=УФК по г. Москве|PersonalAcc=03100643000000017300|BankName=ГУ Банка России по ЦФО|"
#define TAX_CBC "CBC=18210102040011000110|"
#define FEE_CBC "CBC=18810806000018003110|"

static int parse(const char *s, struct payment *pay, err_t *err)
{
    return payment_parse(s, strlen(s), pay, err);
}

static void patent_tax_with_its_months(void **state)
{
    (void)state;
    struct payment pay;
    assert_int_equal(
        parse(HEAD TAX_CBC "Sum=2700000|Purpose=НДФЛ фиксированный авансовый платёж за 3 мес.|OKTMO=45000000", &pay,
            NULL),
        0);
    assert_int_equal(pay.kind, PAYMENT_PATENT_TAX);
    assert_int_equal(pay.roubles, 27000);
    assert_int_equal(pay.months, 3);
    /* upper case, a no-break space, the word in full */
    assert_int_equal(parse(HEAD TAX_CBC "Purpose=ОПЛАТА ПАТЕНТА НА 12\xc2\xa0МЕСЯЦЕВ|Sum=1", &pay, NULL), 0);
    assert_int_equal(pay.months, 12);
    assert_int_equal(pay.roubles, 0);
}

static void months_only_when_stated_once(void **state)
{
    (void)state;
    struct payment pay;
    static const char *const unclear[] = {
        HEAD TAX_CBC "Sum=900000|Purpose=НДФЛ по патенту",          /* not stated */
        HEAD TAX_CBC "Sum=900000|Purpose=за 2 мес. и за 3 мес.",    /* two answers */
        HEAD TAX_CBC "Sum=900000|Purpose=за 13 мес.",               /* no patent runs 13 */
        HEAD TAX_CBC "Sum=900000|Purpose=за 0 мес.",                /* nor none */
        HEAD TAX_CBC "Sum=900000|Purpose=договор 2023 мес",         /* a year, not months */
        HEAD TAX_CBC "Sum=900000|Purpose=за три месяца",            /* in words: not read */
        HEAD TAX_CBC "Sum=900000|Purpose=3 months",                 /* not Russian */
        "ST00011|" TAX_CBC "Sum=900000|Purpose=за 3 \xec\xe5\xf1.", /* windows-1251: not read */
        HEAD "Sum=900000|Purpose=за 3 мес.",                        /* no CBC: a fee, no months */
    };
    for (size_t i = 0; i < sizeof unclear / sizeof unclear[0]; i++) {
        assert_int_equal(parse(unclear[i], &pay, NULL), 0);
        assert_int_equal(pay.months, 0);
    }
    assert_int_equal(parse(HEAD TAX_CBC "Sum=900000|Purpose=за 2 мес., то есть 2 месяца", &pay, NULL), 0);
    assert_int_equal(pay.months, 2);
}

static void what_is_paid_by_cbc(void **state)
{
    (void)state;
    struct payment pay;
    assert_int_equal(parse(HEAD FEE_CBC "Sum=600000|Purpose=Госпошлина за вид на жительство", &pay, NULL), 0);
    assert_int_equal(pay.kind, PAYMENT_STATE_FEE);
    assert_int_equal(pay.roubles, 6000);
    assert_int_equal(parse(HEAD "Sum=192000", &pay, NULL), 0); /* no CBC: a fee, as before CBC was read */
    assert_int_equal(pay.kind, PAYMENT_STATE_FEE);
    static const char *const other[] = {
        HEAD "CBC=18811601121010001140|Sum=50000", /* an Interior Ministry fine, not a fee */
        HEAD "CBC=18210102040012100110|Sum=50000", /* late interest on the patent tax, not the tax */
        HEAD "CBC=18210102010011000110|Sum=50000", /* a resident's income tax */
        HEAD "CBC=1821010204001100011|Sum=50000",  /* 19 digits */
        HEAD "CBC=1821010204001100011X|Sum=50000", /* not digits */
        HEAD "CBC=|Sum=50000",                     /* empty */
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        assert_int_equal(parse(other[i], &pay, NULL), 0);
        assert_int_equal(pay.kind, PAYMENT_OTHER);
    }
}

static void refused(void **state)
{
    (void)state;
    struct payment pay;
    err_t err;
    static const char *const not_gost[] = {
        "",
        "ST0001",
        "ST00012",
        "ST00042|Sum=1",
        "ST0002|Sum=1",
        "http://example.org/pay?Sum=1",
        "ST00012=Sum=1",
        HEAD "Sum=1|Sum=2", /* a detail twice: which is meant? */
        HEAD TAX_CBC FEE_CBC "Sum=1",
        HEAD "Purpose=a|Purpose=b",
    };
    for (size_t i = 0; i < sizeof not_gost / sizeof not_gost[0]; i++) {
        assert_int_equal(parse(not_gost[i], &pay, &err), -EINVAL);
        assert_string_equal(err.code, "payment_not_gost");
    }
    static const char *const bad_sum[] = {
        HEAD "Sum=",
        HEAD "Sum=12.50",
        HEAD "Sum=-100",
        HEAD "Sum=1000000000000000",
        HEAD "Sum= 100",
    };
    for (size_t i = 0; i < sizeof bad_sum / sizeof bad_sum[0]; i++) {
        assert_int_equal(parse(bad_sum[i], &pay, &err), -EINVAL);
        assert_string_equal(err.code, "payment_bad_sum");
    }
    assert_int_equal(parse(HEAD "Sum=999999999999999", &pay, NULL), 0); /* 15 digits: the most taken */
    assert_int_equal(pay.roubles, 9999999999999);
    assert_int_equal(parse(HEAD "Purpose=x", &pay, NULL), 0); /* no sum */
    assert_int_equal(pay.roubles, -1);
}

/* The separator is the eighth byte, whatever it is, and empty pairs
 * between two separators are skipped. */
static void any_separator(void **state)
{
    (void)state;
    struct payment pay;
    assert_int_equal(parse("ST00012#Name=x##CBC=18210102040011000110#Sum=300#Purpose=за 1 мес#", &pay, NULL), 0);
    assert_int_equal(pay.kind, PAYMENT_PATENT_TAX);
    assert_int_equal(pay.roubles, 3);
    assert_int_equal(pay.months, 1);
    /* a '|' inside a value of a '#'-separated payload is part of it */
    assert_int_equal(parse("ST00012#Purpose=за 2 мес|Sum=5#CBC=18210102040011000110", &pay, NULL), 0);
    assert_int_equal(pay.roubles, -1);
    assert_int_equal(pay.months, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patent_tax_with_its_months),
        cmocka_unit_test(months_only_when_stated_once),
        cmocka_unit_test(what_is_paid_by_cbc),
        cmocka_unit_test(refused),
        cmocka_unit_test(any_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
