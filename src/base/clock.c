#include "base/clock.h"

#include <time.h>

void clock_init_real(uclock_t *c)
{
    c->fixed_s = 0;
    c->is_fixed = false;
}

void clock_set_fixed(uclock_t *c, int64_t unix_s)
{
    c->fixed_s = unix_s;
    c->is_fixed = true;
}

int64_t clock_now(const uclock_t *c)
{
    if (c && c->is_fixed)
        return c->fixed_s;
    return (int64_t)time(NULL);
}

uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
