#include "base/fiber.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FIBER_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define FIBER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define FIBER_TSAN 1
#endif
#ifdef FIBER_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

struct fiber {
    ucontext_t ctx;        /* the fiber's own */
    ucontext_t caller_ctx; /* where fiber_yield goes back to */
    fiber_fn fn;
    void *arg;
    void *map; /* guard page + stack */
    size_t map_len;
    void *stack; /* usable stack (above the guard page) */
    size_t stack_len;
    bool running, finished;
    /* Sanitizer bookkeeping: the stack of whoever resumed us, and the fake
     * stacks ASan keeps for frames that outlive a switch. */
    const void *caller_stack;
    size_t caller_stack_len;
    void *caller_fake, *fiber_fake;
    void *tsan_fiber, *tsan_caller;
};

/* Announces a switch onto the stack [bottom, bottom+len). `save` NULL: the
 * stack being left is finished for good. */
static void switch_start(void **save, const void *bottom, size_t len)
{
#ifdef FIBER_ASAN
    __sanitizer_start_switch_fiber(save, bottom, len);
#else
    (void)save, (void)bottom, (void)len;
#endif
}

/* Announces arrival; reports the stack we came from when asked. */
static void switch_finish(void *save, const void **ret_from, size_t *ret_len)
{
#ifdef FIBER_ASAN
    __sanitizer_finish_switch_fiber(save, ret_from, ret_len);
#else
    (void)save, (void)ret_from, (void)ret_len;
#endif
}

static void tsan_switch(void *to)
{
#ifdef FIBER_TSAN
    __tsan_switch_to_fiber(to, 0);
#else
    (void)to;
#endif
}

static void trampoline(unsigned hi, unsigned lo)
{
    fiber_t *f = (fiber_t *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    switch_finish(NULL, &f->caller_stack, &f->caller_stack_len);
    f->fn(f->arg);
    f->finished = true;
    f->running = false;
    switch_start(NULL, f->caller_stack, f->caller_stack_len);
    tsan_switch(f->tsan_caller);
    setcontext(&f->caller_ctx);
}

int fiber_new(size_t stack_bytes, fiber_fn fn, void *arg, fiber_t **ret, err_t *err)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (stack_bytes + page - 1) / page * page;
    fiber_t *f = calloc(1, sizeof *f);
    if (!f)
        return err_set(err, -ENOMEM, "out_of_memory", "Out of memory.");
    f->map_len = len + page;
    f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (f->map == MAP_FAILED || mprotect(f->map, page, PROT_NONE) < 0 || getcontext(&f->ctx) < 0) {
        if (f->map != MAP_FAILED)
            munmap(f->map, f->map_len);
        free(f);
        return err_set(err, -ENOMEM, "out_of_memory", "Cannot allocate a fiber stack.");
    }
    f->stack = (char *)f->map + page;
    f->stack_len = len;
    f->fn = fn;
    f->arg = arg;
    f->ctx.uc_stack.ss_sp = f->stack;
    f->ctx.uc_stack.ss_size = f->stack_len;
    f->ctx.uc_link = NULL;
    uintptr_t p = (uintptr_t)f;
    makecontext(&f->ctx, (void (*)(void))trampoline, 2, (unsigned)(p >> 16 >> 16), (unsigned)p);
#ifdef FIBER_TSAN
    f->tsan_fiber = __tsan_create_fiber(0);
#endif
    *ret = f;
    return 0;
}

bool fiber_resume(fiber_t *f)
{
    if (f->finished || f->running)
        return f->finished;
    f->running = true;
#ifdef FIBER_TSAN
    f->tsan_caller = __tsan_get_current_fiber();
#endif
    switch_start(&f->caller_fake, f->stack, f->stack_len);
    tsan_switch(f->tsan_fiber);
    swapcontext(&f->caller_ctx, &f->ctx);
    switch_finish(f->caller_fake, NULL, NULL);
    return f->finished;
}

void fiber_yield(fiber_t *f)
{
    f->running = false;
    switch_start(&f->fiber_fake, f->caller_stack, f->caller_stack_len);
    tsan_switch(f->tsan_caller);
    swapcontext(&f->ctx, &f->caller_ctx);
    switch_finish(f->fiber_fake, &f->caller_stack, &f->caller_stack_len);
}

void fiber_free(fiber_t *f)
{
    if (!f)
        return;
#ifdef FIBER_TSAN
    __tsan_destroy_fiber(f->tsan_fiber);
#endif
    munmap(f->map, f->map_len);
    free(f);
}
