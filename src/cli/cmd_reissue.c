/* uchetctl person reissue-code: password recovery through a registrar
 * (issue 17). The person shows their document at the migration centre; the
 * registrar runs this with the card (or passport) number and a reason, and
 * gives the person the new one-time activation code it prints. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/secret.h"
#include "cli/cmd.h"
#include "rules/reason.h"
#include "store/session.h"
#include "store/store.h"

static const char USAGE[] = "Usage: uchetctl person reissue-code --document-kind card|passport --document-number N\n"
                            "         --reason TEXT [--actor NAME]\n"
                            "\n"
                            "Password recovery: prints a new one-time activation code (valid 30 days) on\n"
                            "the last line for the person holding the document. The old password stops\n"
                            "working, every session of the person ends and their passkeys are removed\n"
                            "(the phone may be lost); the person sets a new password in the app with\n"
                            "the code. --reason (at least 10 letters or digits,\n"
                            "e.g. \"forgot the password, card checked at the desk\") and the actor\n"
                            "(default \"operator\") go to the audit log as person.activation_reissued.\n";

static int set_arg(char *dst, size_t cap, const char *v, const char *name, err_t *e)
{
    if (!v[0] || strlen(v) >= cap)
        return err_set(e, -EINVAL, "usage", "--%s must be 1 to %zu bytes.", name, cap - 1);
    snprintf(dst, cap, "%s", v);
    return 0;
}

static int parse(int argc, char **argv, session_reissue_op_t *o, err_t *e)
{
    int r = 0;
    snprintf(o->actor, sizeof o->actor, "operator");
    for (int i = 2; r == 0 && i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(argv[i], "--document-kind"))
            r = set_arg(o->doc_kind, sizeof o->doc_kind, v, "document-kind", e);
        else if (!strcmp(argv[i], "--document-number"))
            r = set_arg(o->doc_number, sizeof o->doc_number, v, "document-number", e);
        else if (!strcmp(argv[i], "--reason"))
            r = set_arg(o->reason, sizeof o->reason, v, "reason", e);
        else if (!strcmp(argv[i], "--actor"))
            r = set_arg(o->actor, sizeof o->actor, v, "actor", e);
        else
            r = err_set(e, -EINVAL, "usage", "Unknown argument \"%s\".", argv[i]);
    }
    if (r == 0 && strcmp(o->doc_kind, "card") && strcmp(o->doc_kind, "passport"))
        r = err_set(e, -EINVAL, "usage", "--document-kind is card or passport.");
    if (r == 0 && (!o->doc_number[0] || !o->reason[0]))
        r = err_set(e, -EINVAL, "usage", "--document-number and --reason are required.");
    if (r == 0)
        r = reason_check(o->reason, strlen(o->reason), 10, SESSION_REASON_MAX, 0, e);
    return r;
}

int cmd_person_reissue(const cli_t *cli, int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(USAGE, stdout);
            return 0;
        }
    session_reissue_op_t o;
    session_reissue_op_init(&o);
    err_t e = {0};
    if (parse(argc, argv, &o, &e) < 0) {
        fprintf(stderr, "uchetctl person reissue-code: %s\n%s", e.msg, USAGE);
        return 2;
    }
    char code[SECRET_CODE_CHARS + 1];
    secret_code_new(code);
    secret_code_hash(code, strlen(code), o.code_hash);
    o.now = cli->now;
    store_t *s;
    int r = store_open(cli->database, 1, 0, &s, &e);
    if (r == 0) {
        if ((r = store_run_sync(s, &o.op)) < 0)
            e = o.op.err;
        store_close(s);
    }
    if (r < 0) {
        fprintf(stderr, "uchetctl person reissue-code: %s\n", e.msg);
        return 1;
    }
    printf("person %lld: %lld session(s) ended, %lld passkey(s) removed, old password no longer works;"
           " give them this activation code:\n%s\n",
        (long long)o.ret_person_id, (long long)o.ret_ended, (long long)o.ret_passkeys_removed, code);
    return 0;
}
