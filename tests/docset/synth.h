#pragma once
/* Synthetic document sets with ground truth (issue 16's test harness).
 *
 * A seeded generator makes synthetic people (Uzbek, Tajik, Kyrgyz and
 * Kazakh names, each with the Latin spelling their passport prints and the
 * Russian spelling a translator writes, plus legitimate variants), builds
 * the complete document set a procedure needs — as the fields the reading
 * stage would extract — and injects at most one labelled defect. The set
 * is written in docset/setjson's form with a "truth" member:
 *   {"defect": "name_one_letter" | … | null, "expected_outcome": "…",
 *    "expected_code": "…", "variant": true|false, "person": {…}}
 * Nothing here draws: render.c turns the documents into pages.
 * All names are synthetic combinations of common given names and surnames. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules/date.h"
#include "rules/docset.h"

/* splitmix64: the one random source, so a seed reproduces a set. */
uint64_t synth_next(uint64_t *state);
unsigned synth_below(uint64_t *state, unsigned n);

enum synth_defect {
    SYNTH_CLEAN = 0,
    SYNTH_MISSING_DOCUMENT, /* a required document left out: returned */
    SYNTH_EXPIRED_MEDICAL,  /* medical conclusion older than a year: returned */
    SYNTH_NAME_ONE_LETTER,  /* one letter off on one document: referred */
    SYNTH_PASSPORT_DIGIT,   /* one digit of the passport number wrong: returned */
    SYNTH_REGION_MISMATCH,  /* patent and employer's notice disagree: returned */
    SYNTH_UNREADABLE_SCAN,  /* a page too poor to read: returned */
    SYNTH_WRONG_LEVEL,      /* language certificate below the procedure: returned */
    SYNTH_PATENT_UNPAID,    /* the tax receipts pay for too few months: returned */
    SYNTH_DEFECT_COUNT
};

const char *synth_defect_name(enum synth_defect d);

struct synth_person {
    const char *nationality; /* "UZB", "TJK", "KGZ", "KAZ" */
    const char *country_ru;  /* "Узбекистан" */
    const char *surname_lat, *surname_ru;
    const char *given_lat, *given_ru;
    const char *patronymic_ru; /* may be "" */
    date_t birth;
    char passport[16]; /* "FA1234567" */
    bool male;
};

/* Makes a person from the state. The strings are static. */
void synth_person(uint64_t *state, struct synth_person *ret);

/* Builds one set for `procedure`: the documents are the ones the
 * catalogue's require rules ask for on `on` (submission date) for the
 * person's category — visa-free for Uzbek and Tajik people, EAEU for Kyrgyz
 * and Kazakh, and one set in ten (not for a patent) a minor of 15; patents
 * go to adult Uzbek and Tajik people only. The language certificate carries
 * the level the procedure needs, the fee receipt the amount due. `defect`
 * is injected; one that cannot apply to this set (no medical certificate,
 * no language level below the one needed, no patent) gives a clean set.
 * Returns a new JSON object (caller owns), or NULL on out-of-memory. */
json_t *synth_set(uint64_t *state, const struct docset_catalogue *cat, const char *procedure, date_t on,
    enum synth_defect defect, struct synth_person *ret_person);
