/* /api/v1/desk/enrolments/… — the registrar's review of kiosk enrolments
 * (docs/ENROLMENT.md, "Review"; issue 15).
 *
 * Registrars only (desk_acl.c; each store step checks the row's roles). The queue and a
 * detail are reads; claiming, approving and returning are writes, each an
 * audit event. An image is decrypted from the vault only for the registrar
 * holding the claim, each view audited, and served with Cache-Control:
 * no-store. The activation letter is printed once: its one-time code is
 * drawn when the letter is made and exists nowhere else (the database keeps
 * its hash). Images, letters and codes are never logged. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/desk_slide.h"
#include "api/desk_acl.h"
#include "api/handlers.h"
#include "api/kiosk.h"
#include "api/printed.h"
#include "api/view.h"
#include "base/jsonx.h"
#include "base/limits.h"
#include "bio/an2k.h"
#include "bio/vault.h"
#include "rules/policy.h"
#include "rules/reason.h"
#include "store/enrolment.h"
#include "store/region.h"

#define REVIEW_REASON_MIN_VISIBLE 5 /* letters or digits in a return reason: the applicant must learn why */

typedef enum { R_QUEUE, R_GET, R_CLAIM, R_APPROVE, R_RETURN, R_IMAGE, R_LETTER } raction_t;

typedef struct rop {
    store_op_t op;
    raction_t action;
    const kiosk_env_t *env; /* borrowed; NULL when the kiosk is off */
    const catalog_t *cat;   /* borrowed */
    uint8_t token_hash[SECRET_HASH_BYTES];
    unsigned roles; /* who may: desk_acl.c's row for the route */
    int64_t now;
    char receipt[KIOSK_RECEIPT_CHARS + 1];
    char state[12]; /* R_QUEUE */
    char kind[16];  /* R_IMAGE */
    char reason[OFFICER_REASON_BYTES + 1];
    char purpose[16], regime[16]; /* R_APPROVE */
    /* results, owned, freed by done */
    officer_ref_t me; /* R_QUEUE, R_GET: who asked, for the slide (api/desk_slide.h) */
    json_t *ret;
    uint8_t *bytes; /* R_IMAGE, R_LETTER */
    size_t len;
    const char *ctype;
    int status;
} rop_t;

/* ------------------------------------------------------------ views */

static json_t *details_view(const kiosk_details_t *d)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "surname", d->surname, "given_names", d->given_names,
        "surname_latin", d->surname_latin, "given_names_latin", d->given_latin, "birth_date", d->birth_date, "sex",
        d->sex, "citizenship", d->citizenship, "document_number", d->doc_number, "document_expiry", d->doc_expiry);
}

static json_t *opt_time(int64_t t)
{
    return t ? view_time(t, REGION_DEFAULT_UTC_OFFSET_MIN) : json_null();
}

static json_t *claim_view(const enrolment_t *e, int64_t my_id, int64_t now)
{
    bool live = e->claimed_by && now - e->claimed_at <= ENROLMENT_CLAIM_TTL_S && !strcmp(e->state, "pending");
    return json_string(!live ? "none" : e->claimed_by == my_id ? "mine" : "other");
}

static json_t *queue_item(const enrolment_t *e, int64_t my_id, int64_t now)
{
    return json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:o}", "receipt", e->receipt, "state", e->state, "submitted_at",
        view_time(e->created_at, REGION_DEFAULT_UTC_OFFSET_MIN), "surname_latin", e->d.surname_latin,
        "given_names_latin", e->d.given_latin, "birth_date", e->d.birth_date, "citizenship", e->d.citizenship, "claim",
        claim_view(e, my_id, now));
}

/* Fingers and palms: one entry per position with its quality and the
 * declared exceptions of its capture (findings of kiosk submit). */
static json_t *captures_view(const json_t *findings, const char *const *kinds)
{
    json_t *out = json_array();
    for (const char *const *k = kinds; *k; k++) {
        const json_t *c = json_object_get(findings, *k);
        json_array_append_new(out,
            json_pack("{s:s,s:O?,s:O?,s:O?}", "capture", *k, "results", json_object_get(c, "results"), "exceptions",
                json_object_get(c, "exceptions"), "exception_reasons", json_object_get(c, "exception_reasons")));
    }
    return out;
}

static json_t *detail_view(const enrolment_t *e, const json_t *findings, json_t *dups, int64_t my_id, int64_t now)
{
    static const char *const fingers[] = {"slap-left", "slap-right", "thumbs", NULL};
    static const char *const palms[] = {"palm-left", "palm-right", NULL};
    json_t *face = json_object_get(findings, "face");
    return json_pack("{s:s,s:s,s:o,s:o,s:s,s:o,s:O?,s:o,s:o,s:O?,s:O?,s:o,s:o,s:o,s:b,s:[sssssss]}", "receipt",
        e->receipt, "state", e->state, "submitted_at", view_time(e->created_at, REGION_DEFAULT_UTC_OFFSET_MIN),
        "decided_at", opt_time(e->decided_at), "language", e->language, "details", details_view(&e->d),
        "document_check", json_object_get(findings, "document"), "fingers", captures_view(findings, fingers), "palms",
        captures_view(findings, palms), "face", json_object_get(face, "results"), "face_exceptions",
        json_object_get(face, "exceptions"), "duplicates", dups, "claim", claim_view(e, my_id, now), "reason",
        e->reason[0] ? json_string(e->reason) : json_null(), "letter_printed", e->letter_at != 0, "images", "face",
        "slap-left", "slap-right", "thumbs", "palm-left", "palm-right", "document");
}

/* ------------------------------------------------------------ store side */

/* The queue and a detail: one statement each, the session and the role
 * checked in it (store/enrolment.h; issue 18). */
static int run_queue(db_t *db, rop_t *o)
{
    officer_ref_t me = {0};
    const officer_token_t who = {o->token_hash, o->now, o->roles};
    enrolment_t *rows = calloc(ENROLMENT_QUEUE_MAX, sizeof *rows);
    int n = 0;
    if (!rows)
        return err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
    int r = enrolment_list(db, &who, o->state, rows, ENROLMENT_QUEUE_MAX, &n, &me, &o->op.err);
    json_t *items = r < 0 ? NULL : json_array();
    for (int i = 0; i < n; i++) {
        if (items)
            json_array_append_new(items, queue_item(&rows[i], me.id, o->now));
        enrolment_clear(&rows[i]);
    }
    free(rows);
    o->me = me;
    if (items)
        o->ret = json_pack("{s:o}", "items", items);
    return r;
}

static int run_get(db_t *db, rop_t *o)
{
    officer_ref_t me = {0};
    const officer_token_t who = {o->token_hash, o->now, o->roles};
    enrolment_t e;
    json_t *dups = json_array();
    int r = enrolment_review(db, &who, o->receipt, &e, dups, &me, &o->op.err);
    o->me = me;
    if (r < 0) {
        json_decref(dups);
        return r;
    }
    json_t *findings = json_loads(e.findings, 0, NULL);
    o->ret = detail_view(&e, findings, dups, me.id, o->now);
    json_decref(findings);
    enrolment_clear(&e);
    return 0;
}

/* The WRITE-lane actions: claim, approve, return. */
static int run_write(db_t *db, rop_t *o, const officer_ref_t *me)
{
    enrolment_t e;
    int r = enrolment_get(db, o->receipt, &e, &o->op.err);
    if (r < 0)
        return r;
    if (o->action == R_CLAIM) {
        if ((r = enrolment_claim(db, &e, me, o->now, &o->op.err)) == 0)
            o->ret = json_pack("{s:s,s:s}", "receipt", e.receipt, "claim", "mine");
    } else if (o->action == R_RETURN) {
        if ((r = enrolment_return(db, &e, me, o->now, o->reason, &o->op.err)) == 0)
            o->ret = json_pack("{s:s,s:s,s:s}", "receipt", e.receipt, "state", "returned", "reason", o->reason);
    } else {
        enrolment_approval_t a = {.reason = o->reason, .purpose = o->purpose, .entry_regime = o->regime};
        if ((r = enrolment_approve(db, &e, me, o->now, &a, &o->op.err)) == 0)
            o->ret = json_pack("{s:s,s:s,s:s}", "receipt", e.receipt, "state", "approved", "card_number", a.ret_card);
    }
    enrolment_clear(&e);
    return r;
}

/* Where each image is in the transaction: record type and FGP (kiosk_build.c). */
static int image_record(const struct an2k *t, const char *kind, size_t *ret, err_t *err)
{
    static const struct {
        const char *kind;
        unsigned type, fgp;
    } map[] = {
        {"face", 10, 0}, {"slap-left", 14, 14}, {"slap-right", 14, 13}, {"thumbs", 14, 15}, {"palm-left", 15, 23},
        {"palm-right", 15, 21}, {"document", 20, 0}, /* the page, when the kiosk kept one (kiosk_build.c) */
    };
    for (size_t m = 0; m < sizeof map / sizeof map[0]; m++) {
        if (strcmp(map[m].kind, kind) != 0)
            continue;
        for (size_t i = 0; i < t->nrecords; i++) {
            struct an2k_image_info info;
            if (t->records[i].type != map[m].type || an2k_image_info(t, i, &info, err) < 0)
                continue;
            if (map[m].fgp == 0 || (info.npositions > 0 && info.positions[0] == map[m].fgp)) {
                *ret = i;
                return 0;
            }
        }
    }
    return err_set(err, -ENOENT, "image_not_found", "This enrolment has no such image.");
}

/* Decrypts the transaction and copies out one image. */
static int load_image(rop_t *o, const enrolment_t *e)
{
    char path[1024];
    uint8_t *txn = NULL;
    size_t len = 0, idx = 0;
    struct an2k *t = NULL;
    snprintf(path, sizeof path, "%s/%s", o->env->dir, e->file_name);
    int r = vault_read(&o->env->keys, path, &txn, &len, &o->op.err);
    if (r == 0)
        r = an2k_parse(txn, len, 0, &t, &o->op.err);
    if (r == 0)
        r = image_record(t, o->kind, &idx, &o->op.err);
    struct an2k_image_info info;
    if (r == 0 && (r = an2k_image_info(t, idx, &info, &o->op.err)) == 0) {
        o->ctype = !strcmp(info.compression, "PNG") ? "image/png" : "image/jp2";
        o->bytes = malloc(info.len ? info.len : 1);
        if (!o->bytes)
            r = err_set(&o->op.err, -ENOMEM, "out_of_memory", "Out of memory.");
        else {
            memcpy(o->bytes, info.data, info.len);
            o->len = info.len;
        }
    }
    an2k_free(t);
    if (txn) {
        sodium_memzero(txn, len);
        free(txn);
    }
    return r;
}

static int run_image(db_t *db, rop_t *o)
{
    officer_ref_t me;
    enrolment_t e;
    if (!o->env)
        return err_set(&o->op.err, -ENODEV, "kiosk_disabled", "This server has no enrolment store configured.");
    int r = db_begin_write(db, &o->op.err);
    if (r < 0)
        return r;
    r = officer_session(db, o->token_hash, o->now, o->roles, &me, &o->op.err);
    if (r == 0 && (r = enrolment_get(db, o->receipt, &e, &o->op.err)) == 0) {
        r = enrolment_claim_check(&e, &me, o->now, &o->op.err);
        if (r == 0)
            r = enrolment_image_viewed(db, &e, &me, o->kind, o->now, &o->op.err);
        if (r == 0)
            r = db_commit(db, &o->op.err);
        if (r == 0)
            r = load_image(o, &e);
        enrolment_clear(&e);
    }
    if (r < 0)
        db_rollback(db);
    return r;
}

/* Reads what the letter says, draws the code, makes the PDF, and only then
 * records the printing (so a failed PDF leaves the letter unprinted). */
static int run_letter(db_t *db, rop_t *o)
{
    officer_ref_t me;
    enrolment_t e = {0};
    char card[CARD_NUMBER_DIGITS + 1], code[SECRET_CODE_CHARS + 1], name[600];
    uint8_t hash[SECRET_HASH_BYTES];
    int r = db_begin_read(db, &o->op.err);
    if (r < 0)
        return r;
    r = officer_session(db, o->token_hash, o->now, o->roles, &me, &o->op.err);
    if (r == 0)
        r = enrolment_get(db, o->receipt, &e, &o->op.err);
    if (r == 0 && strcmp(e.state, "approved") != 0)
        r = err_set(&o->op.err, -EEXIST, "enrolment_not_approved", "Only an approved enrolment has a letter.");
    if (r == 0 && e.letter_at)
        r = err_set(&o->op.err, -EEXIST, "letter_printed", "The activation letter was already printed.");
    if (r == 0)
        r = enrolment_card(db, &e, card, &o->op.err);
    db_rollback(db);
    if (r < 0) {
        enrolment_clear(&e);
        return r;
    }
    secret_code_new(code);
    secret_code_hash(code, strlen(code), hash);
    int64_t expires = o->now + LIMIT_ACTIVATION_TTL_S;
    char latin[300];
    snprintf(name, sizeof name, "%s %s", e.d.given_names, e.d.surname);
    snprintf(latin, sizeof latin, "%s %s", e.d.given_latin, e.d.surname_latin);
    printed_letter_t l = {.name = name,
        .name_latin = latin,
        .receipt = e.receipt,
        .card_number = card,
        .code = code,
        .expires_at = expires};
    r = printed_letter(o->cat, e.language, &l, &o->bytes, &o->len, &o->op.err);
    sodium_memzero(code, sizeof code);
    if (r == 0 && (r = db_begin_write(db, &o->op.err)) == 0) {
        r = officer_session(db, o->token_hash, o->now, o->roles, &me, &o->op.err);
        if (r == 0)
            r = enrolment_letter_printed(db, &e, &me, o->now, hash, expires, &o->op.err);
        if (r == 0)
            r = db_commit(db, &o->op.err);
        if (r < 0)
            db_rollback(db);
    }
    o->ctype = "application/pdf";
    enrolment_clear(&e);
    sodium_memzero(name, sizeof name);
    sodium_memzero(latin, sizeof latin);
    return r;
}

static int run_rop(db_t *db, store_op_t *op)
{
    rop_t *o = (rop_t *)op;
    officer_ref_t me;
    if (o->action == R_IMAGE)
        return run_image(db, o);
    if (o->action == R_LETTER)
        return run_letter(db, o);
    if (o->action == R_QUEUE)
        return run_queue(db, o);
    if (o->action == R_GET)
        return run_get(db, o);
    int r = officer_session(db, o->token_hash, o->now, o->roles, &me, &op->err);
    return r < 0 ? r : run_write(db, o, &me);
}

/* ------------------------------------------------------------ HTTP side */

static int status_of(const err_t *e)
{
    static const struct {
        const char *code;
        int status;
    } map[] = {
        {"enrolment_decided", 409},
        {"enrolment_claimed", 409},
        {"enrolment_not_claimed", 409},
        {"enrolment_not_approved", 409},
        {"letter_printed", 409},
        {"document_exists", 409},
        {"image_not_found", 404},
        {"enrolment_not_found", 404},
        {"kiosk_disabled", 503},
        {"vault_io", 500},
        {"vault_bad_file", 500},
        {"vault_unknown_key", 500},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(e->code, map[i].code))
            return map[i].status;
    return -1;
}

static void rop_done(api_req_t *r, store_op_t *op)
{
    rop_t *o = (rop_t *)op;
    int st = op->rc < 0 ? status_of(&op->err) : 0;
    desk_slide(r, o->token_hash, &o->me, o->now); /* the reads' me; the writes slid in their transaction */
    if (op->rc < 0 && st > 0)
        api_problem(r, st, op->err.code, op->err.msg);
    else if (op->rc < 0)
        api_problem_err(r, &op->err);
    else if (o->bytes)
        api_reply_bytes(r, 200, o->ctype, o->bytes, o->len);
    else {
        api_reply_json(r, o->status, o->ret ? o->ret : json_object());
        o->ret = NULL;
    }
    json_decref(o->ret);
    if (o->bytes) {
        sodium_memzero(o->bytes, o->len);
        free(o->bytes);
    }
}

static rop_t *rop_start(api_req_t *r, raction_t action, store_lane_t lane, bool has_receipt)
{
    if (has_receipt && !kiosk_receipt_valid(r->params[0].base, r->params[0].len)) {
        api_problem(r, 404, "enrolment_not_found", "No enrolment has this receipt.");
        return NULL;
    }
    rop_t *o = api_op_new_or_reply(r, sizeof *o, rop_done);
    if (!o)
        return NULL;
    o->op.lane = lane;
    o->op.one_statement = lane == STORE_READ; /* the queue and a detail (run_queue, run_get) */
    o->op.run = run_rop;
    o->action = action;
    o->env = r->w->kiosk;
    o->cat = r->w->catalog;
    o->now = api_now(r);
    o->roles = desk_acl_roles(r);
    o->status = 200;
    memcpy(o->token_hash, r->token_hash, sizeof o->token_hash);
    if (has_receipt)
        memcpy(o->receipt, r->params[0].base, KIOSK_RECEIPT_CHARS);
    return o;
}

/* GET /api/v1/desk/enrolments?state=pending|approved|returned (default pending) */
void h_review_queue(api_req_t *r)
{
    static const char *const allowed[] = {"pending", "approved", "returned"};
    const char *state = NULL;
    if (r->query.len == 0)
        state = "pending";
    for (size_t i = 0; !state && i < sizeof allowed / sizeof allowed[0]; i++)
        if (r->query.len == 6 + strlen(allowed[i]) && !memcmp(r->query.base, "state=", 6) &&
            !memcmp(r->query.base + 6, allowed[i], strlen(allowed[i])))
            state = allowed[i];
    if (!state) {
        api_problem(r, 400, "invalid_state", "state is pending, approved or returned.");
        return;
    }
    rop_t *o = rop_start(r, R_QUEUE, STORE_READ, false);
    if (!o)
        return;
    snprintf(o->state, sizeof o->state, "%s", state);
    api_op_submit(r, &o->op);
}

void h_review_get(api_req_t *r)
{
    rop_t *o = rop_start(r, R_GET, STORE_READ, true);
    if (o)
        api_op_submit(r, &o->op);
}

void h_review_claim(api_req_t *r)
{
    rop_t *o = rop_start(r, R_CLAIM, STORE_WRITE, true);
    if (o)
        api_op_submit(r, &o->op);
}

/* A reason of up to OFFICER_READ_REASON_MAX characters (rules/reason.h:
 * no blanks, dots or invisible characters posing as one); "" when optional
 * and absent. */
static int reason_of(const json_t *b, bool required, char *dst, size_t cap, err_t *e)
{
    const char *s = NULL;
    if (!required && !json_object_get(b, "reason")) {
        dst[0] = '\0';
        return 0;
    }
    int rc = jsonx_string_lf(b, "reason", &s, e);
    if (rc == 0 && strlen(s) >= cap)
        rc = err_set(e, -EINVAL, "invalid_reason", "The reason is too long.");
    if (rc == 0)
        rc = reason_check(s, strlen(s), REVIEW_REASON_MIN_VISIBLE, OFFICER_READ_REASON_MAX, REASON_ALLOW_NEWLINE, e);
    if (rc == 0)
        snprintf(dst, cap, "%s", s);
    return rc;
}

#define ROP_CAP(f) sizeof((rop_t *)0)->f

/* The approval's fields into buffers the size of rop_t's reason, purpose and
 * regime (read before the op exists). */
static int approval_of(const json_t *b, char *reason, char *purpose, char *regime, err_t *e)
{
    const char *p = "work", *g = "visa_free";
    purpose_t pp;
    entry_regime_t er;
    int rc = reason_of(b, false, reason, ROP_CAP(reason), e);
    if (rc == 0 && json_object_get(b, "purpose"))
        rc = jsonx_string(b, "purpose", true, 1, ROP_CAP(purpose) - 1, &p, e);
    if (rc == 0 && json_object_get(b, "entry_regime"))
        rc = jsonx_string(b, "entry_regime", true, 1, ROP_CAP(regime) - 1, &g, e);
    if (rc == 0 && policy_purpose_parse(p, &pp) < 0)
        rc = err_set(e, -EINVAL, "invalid_purpose", "purpose is work, study, private, tourism, business or other.");
    if (rc == 0 && policy_entry_regime_parse(g, &er) < 0)
        rc = err_set(e, -EINVAL, "invalid_entry_regime", "entry_regime is not one uchet knows.");
    snprintf(purpose, ROP_CAP(purpose), "%s", p);
    snprintf(regime, ROP_CAP(regime), "%s", g);
    return rc;
}

/* Before authentication: a malformed receipt is the same 404 whoever asks. */
bool h_gate_receipt(api_req_t *r)
{
    if (kiosk_receipt_valid(r->params[0].base, r->params[0].len))
        return true;
    api_problem(r, 404, "enrolment_not_found", "No enrolment has this receipt.");
    return false;
}

static void decision(api_req_t *r, raction_t action)
{
    char reason[ROP_CAP(reason)], purpose[ROP_CAP(purpose)] = "", regime[ROP_CAP(regime)] = "";
    err_t e = {0};
    int rc = action == R_APPROVE ? approval_of(r->body, reason, purpose, regime, &e)
                                 : reason_of(r->body, true, reason, sizeof reason, &e);
    if (rc < 0) {
        api_problem(r, 400, e.code, e.msg);
        return;
    }
    rop_t *o = rop_start(r, action, STORE_WRITE, true);
    if (!o)
        return;
    memcpy(o->reason, reason, sizeof reason);
    if (action == R_APPROVE) {
        memcpy(o->purpose, purpose, sizeof purpose);
        memcpy(o->regime, regime, sizeof regime);
    }
    api_op_submit(r, &o->op);
}

void h_review_approve(api_req_t *r)
{
    decision(r, R_APPROVE);
}
void h_review_return(api_req_t *r)
{
    decision(r, R_RETURN);
}

void h_review_image(api_req_t *r)
{
    static const char *const kinds[] = {
        "face", "slap-left", "slap-right", "thumbs", "palm-left", "palm-right", "document", NULL};
    h2o_iovec_t k = r->params[1];
    const char *kind = NULL;
    for (const char *const *p = kinds; *p && !kind; p++)
        if (h2o_memis(k.base, k.len, *p, strlen(*p)))
            kind = *p;
    if (!kind) {
        api_problem(r, 404, "image_not_found",
            "Images are face, slap-left, slap-right, thumbs, palm-left, palm-right, document.");
        return;
    }
    rop_t *o = rop_start(r, R_IMAGE, STORE_SLOW, true);
    if (!o)
        return;
    snprintf(o->kind, sizeof o->kind, "%s", kind);
    api_op_submit(r, &o->op);
}

void h_review_letter(api_req_t *r)
{
    rop_t *o = rop_start(r, R_LETTER, STORE_SLOW, true);
    if (o)
        api_op_submit(r, &o->op);
}
