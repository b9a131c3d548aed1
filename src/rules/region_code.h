#pragma once
/* The codes of the subjects of the Russian Federation that other systems may
 * name (issue 12): exactly two ASCII digits, one of the codes in use (01..79,
 * 83, 86, 87, 89 and 91, 92; the codes of subjects merged between 2005 and
 * 2008, 80, 81, 82, 84, 85 and 88, are no longer in use). "077", "7", "zz",
 * "XYZ123" are not codes. Pure. */
#include <stdbool.h>

/* True if s (NUL-terminated) is a region code in use. */
bool region_code_known(const char *s);
