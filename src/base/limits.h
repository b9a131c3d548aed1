#pragma once
/* Every limit of uchet, in one place (style habit 8). Each is enforced where
 * the bytes arrive; the comment says where. */

#define LIMIT_BODY_BYTES (64 * 1024)             /* api/server: request entity, JSON endpoints */
#define LIMIT_IMAGE_BODY_BYTES (8 * 1024 * 1024) /* api/server: document image upload */
#define LIMIT_JSON_FIELDS 32                     /* base/jsonx: keys in one object */
#define LIMIT_STRING_BYTES 512                   /* base/jsonx: default max string length */
#define LIMIT_NAME_BYTES 128                     /* persons: surname, given names */
#define LIMIT_ADDRESS_PART_BYTES 200             /* residence address parts */
#define LIMIT_DOCNUM_BYTES 20                    /* document numbers */
#define LIMIT_PASSWORD_MIN 12                    /* activation: minimum password length (chars, ASVS 2.1.1) */
#define LIMIT_PASSWORD_MAX 128                   /* activation/session: maximum password bytes */
#define LIMIT_IDEMPOTENCY_MIN 8                  /* confirmations: idempotency key length */
#define LIMIT_IDEMPOTENCY_MAX 64
#define LIMIT_CALENDAR_SPAN_DAYS 366              /* calendar endpoint: days per answer */
#define LIMIT_CONNECTIONS 4096                    /* api/server: open connections per process */
#define LIMIT_WRITE_BATCH 256                     /* store: operations per group commit */
#define LIMIT_WRITE_QUEUE 65536                   /* store: queued write operations before 503 */
#define LIMIT_STATIC_FILE_BYTES (2 * 1024 * 1024) /* api/static: largest served file */
#define LIMIT_LOGIN_FAILS_ACCOUNT 5               /* auth: failed log-ins per account per window */
#define LIMIT_LOGIN_FAILS_ADDRESS 30              /* auth: failed log-ins per client address per window */
#define LIMIT_LOGIN_WINDOW_S (15 * 60)            /* auth: rate-limit window */
#define LIMIT_SESSION_TTL_S (12 * 3600)           /* auth: token lifetime (ASVS 3.3.2) */
#define LIMIT_ACTIVATION_TTL_S (30 * 86400)       /* persons: activation code lifetime */
#define LIMIT_ACCURACY_M 500.0                    /* rules/geo: worst counted accuracy */
#define LIMIT_CLIENT_TIME_SKEW_S (7 * 86400)      /* confirmations: client_time plausibility */
#define LIMIT_REASON_BYTES 500                    /* appeals, officer reasons */

/* bio/sbi and devsim: capture devices over SBI */
#define LIMIT_SBI_RESPONSE_BYTES (48 * 1024 * 1024) /* bio/sbi: one device answer (a slap with its fingers) */
#define LIMIT_SBI_BIOMETRICS 10                     /* bio/sbi: biometrics[] entries in one capture */
#define LIMIT_DEVSIM_REQUEST_BYTES (64 * 1024)      /* devsim: one request (headers + body) */
#define LIMIT_DEVSIM_CONNECTIONS 64                 /* devsim: connections served at once */

/* enrolment kiosk (api/h_kiosk.c); h2o's own cap (api/server) is 2 x LIMIT_IMAGE_BODY_BYTES */
#define LIMIT_KIOSK_CAPTURE_BYTES (12 * 1024 * 1024) /* api/h_kiosk: one capture body (a slap's SBI answer) */
#define LIMIT_KIOSK_SIGNATURE_BYTES (512 * 1024)     /* api/h_kiosk: a signature's pen vectors */
/* --- bio/raster and capture quality (issue 13, quality) --- */
#define LIMIT_RASTER_SIDE 12000                        /* bio/raster: widest/tallest decoded image (palm at 1000 ppi) */
#define LIMIT_RASTER_PIXELS (48u * 1024 * 1024)        /* bio/raster: pixels in one decoded image */
#define LIMIT_RASTER_ENCODED_BYTES (32u * 1024 * 1024) /* bio/raster: encoded image bytes accepted */
#define LIMIT_SLAP_FINGERS 5                           /* bio/fpquality: finger boxes in one slap record */
#define LIMIT_SIG_POINTS 20000                         /* bio/sigcheck: pen points in one vector signature */
#define LIMIT_SIG_PIXELS (4u * 1024 * 1024)            /* bio/sigcheck: pixels of one signature image */

/* bio/an2k: ANSI/NIST-ITL transactions, enforced by the reader and the writer */
#define LIMIT_AN2K_BYTES (64 * 1024 * 1024)       /* one transaction, read or written */
#define LIMIT_AN2K_RECORDS 256                    /* records listed in CNT (1.003) */
#define LIMIT_AN2K_FIELDS 4096                    /* fields in one tagged record */
#define LIMIT_AN2K_IMAGE_BYTES (16 * 1024 * 1024) /* one encoded image given to the writer */
#define LIMIT_AN2K_PEN_POINTS 20000               /* Type-8 signature vectors */

/* The HTTP edge and storage health (issue 12) */
#define LIMIT_DISK_FREE_MIN_BYTES                                                                                      \
    (4ull * 1024 * 1024)            /* api/h_system: /readyz not ready below this free space (SQLite) */
#define LIMIT_AUDIT_CHECKPOINT_S 60 /* api/anchorer: seconds between signed audit checkpoints */

/* Log-in limits kept in the database (store/login_limit.h, issue 12) */
#define LIMIT_LOGIN_FAILS_PERSON 50      /* auth: failed log-ins per account from all addresses together */
#define LIMIT_LOGIN_PERSON_WINDOW_S 3600 /* auth: window of that account-wide back-off */
#define LIMIT_HASH_INFLIGHT_CLIENT 8     /* api: log-ins of one client address hashing or queued at once */
#define LIMIT_PURGE_INTERVAL_S 600       /* api/uchetd: expired sessions and counters deleted this often */
#define LIMIT_REASON_MIN_CHARS 10        /* rules/reason: visible characters in an officer's reason */

/* Document-set intake (issue 16; docs/DOCSETS.md "Intake API"): each checked
 * by docset/sniff before a byte is stored, and by store/docset for the set */
#define LIMIT_DOCSET_PAGE_BYTES LIMIT_IMAGE_BODY_BYTES /* api/h_docset: one uploaded page or PDF */
#define LIMIT_DOCSET_PAGES 40                          /* store/docset: pages in one set (a PDF counts its pages) */
#define LIMIT_DOCSET_SET_BYTES (64 * 1024 * 1024)      /* store/docset: encoded bytes of one set */
#define LIMIT_DOCSET_PDF_PAGES 20                      /* docset/pdfpage: pages in one PDF */
#define LIMIT_DOCSET_PAGE_PIXELS (40u * 1000u * 1000u) /* docset/sniff, pdfpage: decoded pixels of a page */
#define LIMIT_DOCSET_PAGE_SIDE 20000                   /* docset/sniff: widest/tallest page in pixels */
#define LIMIT_DOCSET_PDF_DPI 300 /* docset/pdfpage: rendering resolution (lowered to fit the pixels) */
#define LIMIT_DOCSET_PDF_MEM_BYTES (512ull * 1024 * 1024) /* docset/pdfpage: RLIMIT_AS of the PDF child */
#define LIMIT_DOCSET_PDF_CPU_S 10                         /* docset/pdfpage: RLIMIT_CPU of the PDF child */
#define LIMIT_DOCSET_PDF_WALL_S 20                        /* docset/pdfpage: alarm() of the PDF child */
#define LIMIT_DOCSET_READING_LEASE_S 600  /* store/docset: a page 'reading' longer was left by a crash: queued again */
#define LIMIT_DOCSET_RESUME_INTERVAL_S 60 /* api/scheduler: how often unfinished sets are looked for */
#define LIMIT_DOCSET_OPEN_SETS 5          /* store/docset: open (unsubmitted) sets per person */

/* The settlement catalogue (issue 17; data/settlements/README): read once at start */
#define LIMIT_SETTLEMENT_FILE_BYTES (4 * 1024 * 1024) /* docs/settlement_file: the catalogue file */
#define LIMIT_SETTLEMENT_NAMES 100000                 /* docs/settlement: names in the catalogue */
