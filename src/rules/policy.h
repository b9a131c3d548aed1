#pragma once
/* Product rule 1: who has the duty to confirm presence. The inputs are
 * purpose of stay, entry regime and age. Nationality is never an input, and
 * there is deliberately no parameter through which it could become one. */
#include "rules/date.h"

typedef enum {
    PURPOSE_WORK = 1,
    PURPOSE_STUDY,
    PURPOSE_PRIVATE,
    PURPOSE_TOURISM,
    PURPOSE_BUSINESS,
    PURPOSE_OTHER,
} purpose_t;

typedef enum {
    ENTRY_VISA_FREE = 1,
    ENTRY_VISA,
} entry_regime_t;

typedef enum {
    DUTY_NONE = 0, /* no confirmation duty */
    DUTY_CONFIRM,  /* must confirm presence (rules 3-6) */
    DUTY_MINOR,    /* would have the duty as an adult (rule 9) */
} duty_t;

/* The age of adulthood, in full years. */
#define POLICY_ADULT_AGE 18

/* Parses a purpose name ("work", "study", "private", "tourism", "business",
 * "other"; exact, lower case; s NUL-terminated). Returns 0 and writes *ret,
 * or -EINVAL (also for s == NULL). */
int policy_purpose_parse(const char *s, purpose_t *ret);

/* Parses an entry regime name ("visa_free", "visa"). Returns 0 and writes
 * *ret, or -EINVAL (also for s == NULL). */
int policy_entry_regime_parse(const char *s, entry_regime_t *ret);

/* The name policy_purpose_parse accepts for p; NULL for a value outside the
 * enum. Static storage. */
const char *policy_purpose_name(purpose_t p);

/* The name policy_entry_regime_parse accepts for e; NULL for a value outside
 * the enum. Static storage. */
const char *policy_entry_regime_name(entry_regime_t e);

/* Full years from birth to today. A birthday counts from its date; a Feb 29
 * birthday counts from Mar 1 in common years. Negative when today < birth. */
int policy_age_years(date_t birth, date_t today);

/* The date a person born on birth turns POLICY_ADULT_AGE (Mar 1 for a Feb 29
 * birth whose 18th birthday falls in a common year): the day a minor's
 * registration becomes an ordinary one (rule 9). */
date_t policy_adult_date(date_t birth);

/* DUTY_CONFIRM for an adult (POLICY_ADULT_AGE or older today) whose purpose
 * is work and who entered visa-free; DUTY_MINOR for the same under 18;
 * DUTY_NONE otherwise, including a birth after today and values outside the
 * enums. */
duty_t policy_duty(purpose_t purpose, entry_regime_t entry, date_t birth, date_t today);

/* "confirm", "minor" or "none"; NULL for a value outside the enum. */
const char *policy_duty_name(duty_t d);
