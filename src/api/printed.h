#pragma once
/* uchet's printed documents, composed from the po/ catalogs (notify/catalog)
 * and laid out by print/pdfdoc: the kiosk receipt and the activation
 * letter. docs/ENROLMENT.md shows what each says.
 *
 * Both return a malloc'd PDF in *ret (caller wipes and frees). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "notify/catalog.h"

/* True for the 13 kiosk languages: ru uk tg uz ro en fr de ky kk zh tr ka. */
bool printed_kiosk_language(const char *lang);

/* The receipt in lang: the enrolment number (big, and as the only content of
 * a QR code), when it was submitted, what happens next and when, where to
 * ask. submitted_at: unix seconds, shown in Moscow time. */
int printed_receipt(const catalog_t *cat, const char *lang, const char *receipt, int64_t submitted_at, uint8_t **ret,
    size_t *ret_len, err_t *err);

/* What the activation letter says about its person; strings borrowed. */
typedef struct printed_letter {
    const char *name;       /* as typed at the kiosk, original script */
    const char *name_latin; /* as in the passport */
    const char *receipt;    /* the enrolment number */
    const char *card_number;
    const char *code;   /* the one-time activation code: a secret */
    int64_t expires_at; /* when the code stops working */
} printed_letter_t;

/* The letter: one page in Russian, and a second in `lang` when it is
 * another language uchet speaks. */
int printed_letter(
    const catalog_t *cat, const char *lang, const printed_letter_t *l, uint8_t **ret, size_t *ret_len, err_t *err);
