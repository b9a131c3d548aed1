#pragma once
/* A fiber: a function with a stack of its own that can stop half way
 * (fiber_yield) and be continued later (fiber_resume) on the same thread.
 *
 * Why: store operations are written once as straight-line code against a
 * synchronous SQL interface (store/db.h). On PostgreSQL an event loop runs
 * them inside a fiber; where the code would wait for the server, the fiber
 * yields to the loop instead, and the loop resumes it when the socket is
 * ready. The operation's code does not change and the loop never blocks.
 *
 * A fiber belongs to the thread that resumes it; yield and resume are not
 * thread-safe and are never called across threads. Under AddressSanitizer
 * and ThreadSanitizer every switch is announced to the sanitizer. */
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

typedef struct fiber fiber_t;
typedef void (*fiber_fn)(void *arg);

/* Makes a fiber that will run fn(arg) on a stack of `stack_bytes` (rounded
 * up to pages, with a guard page below it) at its first fiber_resume. Caller
 * owns *ret and frees it with fiber_free. -ENOMEM with err on failure. */
int fiber_new(size_t stack_bytes, fiber_fn fn, void *arg, fiber_t **ret, err_t *err);

/* Runs f until it yields or its function returns. Returns true when f has
 * finished (resuming it again does nothing). Not from inside a fiber. */
bool fiber_resume(fiber_t *f);

/* From inside f: goes back to whoever resumed it. */
void fiber_yield(fiber_t *f);

/* Frees f and its stack. A fiber that yielded and was never finished is
 * abandoned: nothing on its stack is unwound. Accepts NULL. */
void fiber_free(fiber_t *f);
