#include "rules/region_code.h"

bool region_code_known(const char *s)
{
    if (!s || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != '\0')
        return false;
    int n = (s[0] - '0') * 10 + (s[1] - '0');
    if (n >= 1 && n <= 79)
        return true;
    return n == 83 || n == 86 || n == 87 || n == 89 || n == 91 || n == 92;
}
