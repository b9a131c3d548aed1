#pragma once
/* pdfpage: PDF pages counted and rendered by poppler in a forked child
 * process, so that a hostile PDF (deep object streams, huge decompressed
 * images, thousands of pages) can only kill the child.
 *
 * The child closes every file descriptor but its pipe, then runs under
 * RLIMIT_AS (its address space at fork plus LIMIT_DOCSET_PDF_MEM_BYTES, so
 * the limit also works under AddressSanitizer's large reservations),
 * RLIMIT_CPU and a wall-clock alarm (pdfpage_set_limits; by default
 * LIMIT_DOCSET_PDF_CPU_S and LIMIT_DOCSET_PDF_WALL_S); it sends back a count
 * or raw grey pixels. A child that dies, overruns or answers nonsense is
 * "pdf_unreadable".
 *
 * Only for the SLOW lane: it blocks for as long as the child works. */
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "bio/raster.h"

/* The child's CPU seconds (RLIMIT_CPU) and wall-clock seconds (alarm) for
 * every later pdfpage_count and pdfpage_render; uchetd sets them once at
 * start from docset_pdf_cpu_seconds and docset_pdf_wall_seconds, which
 * api/config has checked (1-300 s, else bad_config), before any page is read
 * (they are read-only afterwards: no lock). Unset: LIMIT_DOCSET_PDF_CPU_S
 * and LIMIT_DOCSET_PDF_WALL_S. Takes valid limits: one below 1 counts as 1. */
void pdfpage_set_limits(int cpu_s, int wall_s);

/* The number of pages. -EINVAL "pdf_unreadable" (not a PDF poppler can
 * open, encrypted, or the child died), -E2BIG "pdf_too_many_pages" (more
 * than LIMIT_DOCSET_PDF_PAGES), -ENOTSUP "pdf_unsupported" (built without
 * poppler). */
int pdfpage_count(const uint8_t *pdf, size_t len, int *ret_pages, err_t *err);

/* Renders page `index` (0-based) at LIMIT_DOCSET_PDF_DPI, or lower so that
 * it has at most LIMIT_DOCSET_PAGE_PIXELS, as a grey raster (caller owns;
 * ppi set). Same errors as pdfpage_count; -ENOMEM. */
int pdfpage_render(const uint8_t *pdf, size_t len, int index, raster_t **ret, err_t *err);
