#pragma once
/* Every route handler has this shape: parse → validate → act (a store op)
 * → reply (in the op's finish). One file per resource. The router has run
 * the route's gate, authentication and body before (router.c): a handler
 * reads r->token_hash and r->body, validates its fields, and only then
 * allocates its op. */
#include "api/api.h"

/* Gates (route table): checks that answer the same whoever asks, run before
 * authentication; false after replying. */
bool h_gate_passkeys(api_req_t *r);   /* 404 passkeys_disabled */
bool h_gate_kiosk(api_req_t *r);      /* 503 kiosk_disabled */
bool h_gate_docsets(api_req_t *r);    /* 503 docsets_off */
bool h_gate_docset_id(api_req_t *r);  /* that, and 404 for an {id} that is no set id */
bool h_gate_notice_id(api_req_t *r);  /* 404 for an {id} that is no notice id */
bool h_gate_receipt(api_req_t *r);    /* 404 for a {receipt} that is no receipt */
bool h_gate_host_rate(api_req_t *r);  /* 429 after too many wrong host codes */
bool h_gate_test_clock(api_req_t *r); /* 404 unless --allow-clock-control */

void h_activation(api_req_t *r);
void h_session_create(api_req_t *r);
void h_session_delete(api_req_t *r);
/* h_account.c (issue 17) */
void h_me_password(api_req_t *r);
void h_session_recheck(api_req_t *r);
void h_session_renew(api_req_t *r);
void h_me_sessions_list(api_req_t *r);
void h_me_sessions_delete(api_req_t *r);
void h_registration_create_rechecked(api_req_t *r);
void h_registration_delete_rechecked(api_req_t *r);
void h_residence_put_rechecked(api_req_t *r);
void h_minor_create_rechecked(api_req_t *r);
void h_appeal_create_rechecked(api_req_t *r);
void h_desk_activation_code(api_req_t *r); /* h_recovery.c */
void h_me_get(api_req_t *r);
void h_me_patch(api_req_t *r);
void h_registration_create(api_req_t *r);
void h_registration_delete(api_req_t *r);
void h_residence_put(api_req_t *r);
void h_residence_reaffirm(api_req_t *r);
void h_confirmation_create(api_req_t *r);
void h_regions(api_req_t *r);
void h_address_check(api_req_t *r); /* issue 17: settlement vs region (h_address.c) */
void h_calendar(api_req_t *r);
void h_healthz(api_req_t *r);
void h_readyz(api_req_t *r);
void h_metrics(api_req_t *r);
void h_test_clock(api_req_t *r);
void h_documents_mrz(api_req_t *r);
void h_minor_create(api_req_t *r);
void h_minor_list(api_req_t *r);
void h_notices_list(api_req_t *r);
void h_notice_read(api_req_t *r);
void h_desk_session_create(api_req_t *r);
void h_desk_session_delete(api_req_t *r);
void h_desk_totp_enrol(api_req_t *r);
void h_desk_officer_list(api_req_t *r);
void h_desk_officer_add(api_req_t *r);
void h_desk_officer_disable(api_req_t *r);
void h_desk_officer_reset(api_req_t *r);
void h_desk_audit_lookups(api_req_t *r);
void h_desk_audit_verify(api_req_t *r);
void h_desk_audit_person_events(api_req_t *r);
void h_desk_audit_officer_activity(api_req_t *r);
void h_desk_persons(api_req_t *r);
void h_access_log(api_req_t *r);
void h_appeal_create(api_req_t *r);
void h_appeal_list(api_req_t *r);
void h_desk_appeal_list(api_req_t *r);
void h_desk_appeal_decide(api_req_t *r);
void h_integration_registration(api_req_t *r);
void h_host_code_create(api_req_t *r);
void h_host_confirm(api_req_t *r);
void h_push_public_key(api_req_t *r);
void h_push_subscribe(api_req_t *r);
void h_push_unsubscribe(api_req_t *r);

/* issue 12 (auth) */
void h_desk_person_lookup(api_req_t *r);

/* enrolment kiosk (h_kiosk.c) */
void h_kiosk_session_create(api_req_t *r);
void h_kiosk_session_get(api_req_t *r);
void h_kiosk_session_delete(api_req_t *r);
void h_kiosk_document(api_req_t *r);
void h_kiosk_details(api_req_t *r);
void h_kiosk_capture(api_req_t *r);
void h_kiosk_signature(api_req_t *r);
void h_kiosk_submit(api_req_t *r);
void h_kiosk_enrolment_status(api_req_t *r);

/* passkeys (h_passkey.c, issue 17) */
void h_passkey_register_options(api_req_t *r);
void h_passkey_register(api_req_t *r);
void h_passkey_list(api_req_t *r);
void h_passkey_delete(api_req_t *r);
void h_passkey_login_options(api_req_t *r);
void h_passkey_login(api_req_t *r);

/* document sets (h_docset.c, issue 16) */
void h_docset_create(api_req_t *r);
void h_docset_page_add(api_req_t *r);
void h_docset_page_delete(api_req_t *r);
void h_docset_submit(api_req_t *r);
void h_docset_get(api_req_t *r);
void h_docset_list(api_req_t *r);
void h_docset_procedures(api_req_t *r);
void h_desk_docset_list(api_req_t *r);
void h_desk_docset_decide(api_req_t *r);

void h_kiosk_receipt_pdf(api_req_t *r); /* h_receipt.c */
/* the registrar's enrolment review (h_review.c) */
void h_review_queue(api_req_t *r);
void h_review_get(api_req_t *r);
void h_review_claim(api_req_t *r);
void h_review_image(api_req_t *r);
void h_review_approve(api_req_t *r);
void h_review_return(api_req_t *r);
void h_review_letter(api_req_t *r);
