/* Placeholder until bio/an2k is in main (replaced at the merge). */
#include "api/kiosk_build.h"

#include <errno.h>

int kiosk_build_transaction(const kiosk_build_t *in, uint8_t **ret, size_t *ret_len, err_t *err)
{
    (void)in;
    (void)ret;
    (void)ret_len;
    return err_set(err, -ENOSYS, "not_built", "The ANSI/NIST writer is not in this build yet.");
}
