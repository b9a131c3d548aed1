#pragma once
/* The one edit distance of the tree (Levenshtein: insertions, deletions and
 * substitutions, each costing 1), over Unicode code points, so a Cyrillic
 * letter is one letter and not two bytes. Used where a text must read as
 * another up to a slip: a form's printed labels (docset/fields), names in two
 * documents' spellings (rules/namematch), the MRZ bench's error rate.
 *
 * Capped: the callers only ask whether a distance is at most some small
 * number, so every entry takes `cap` and answers cap + 1 for anything above
 * it, stopping as soon as that is certain (at once when the lengths alone
 * differ by more than cap). cap = SIZE_MAX asks for the exact distance.
 *
 * Memory: with at most DISTANCE_STACK_MAX code points on each side the work
 * is done on the stack and no call fails for memory; longer inputs take heap
 * buffers, freed before return. Inputs are borrowed and never written;
 * nothing is kept between calls (thread-safe). */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define DISTANCE_STACK_MAX 64 /* code points per side worked on the stack, without malloc */

/* The edit distance between the code points a[0..na) and b[0..nb), or
 * cap + 1 when it exceeds cap, written to *ret. Returns 0; -EINVAL (err code
 * "distance_invalid") for a NULL side with a length; -ENOMEM. *ret is written
 * only on success. */
int distance_edit(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, size_t cap, size_t *ret, err_t *err);

/* distance_edit over the code points of the UTF-8 texts a[0..alen) and
 * b[0..blen) (strict, base/utf8; NUL-terminated or not). Returns 0; -EINVAL
 * with err code "distance_invalid_utf8" for bytes that are not UTF-8, or
 * "distance_invalid" for a NULL side with a length; -ENOMEM. */
int distance_edit_utf8(const char *a, size_t alen, const char *b, size_t blen, size_t cap, size_t *ret, err_t *err);
