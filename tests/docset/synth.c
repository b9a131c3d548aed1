#include "synth.h"

#include <stdio.h>
#include <string.h>

uint64_t synth_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

unsigned synth_below(uint64_t *s, unsigned n)
{
    return n ? (unsigned)(synth_next(s) % n) : 0;
}

const char *synth_defect_name(enum synth_defect d)
{
    static const char *const names[SYNTH_DEFECT_COUNT] = {
        "clean",
        "missing_document",
        "expired_medical",
        "name_one_letter",
        "passport_digit",
        "region_mismatch",
        "unreadable_scan",
        "wrong_level",
        "patent_unpaid",
    };
    return d < SYNTH_DEFECT_COUNT ? names[d] : "?";
}

/* Latin as the passport prints it, Russian as a translator writes it, and
 * a second legitimate Russian rendering where translators differ. */
struct name3 {
    const char *lat, *ru, *ru_alt;
};

static const struct name3 uz_surnames[] = {
    {"XOLMATOV", "Холматов", "Холматов"},
    {"QODIROV", "Кодиров", "Қодиров"},
    {"TOSHMATOV", "Тошматов", "Тошматов"},
    {"RAHIMOV", "Рахимов", "Рахимов"},
    {"YUSUPOV", "Юсупов", "Юсупов"},
    {"CHORIYEV", "Чориев", "Чориев"},
    {"ERGASHEV", "Эргашев", "Эргашев"},
    {"JO\xE2\x80\x98RAYEV", "Жураев", "Джураев"},
};
static const struct name3 uz_given_m[] = {
    {"JAHONGIR", "Жахонгир", "Джахонгир"},
    {"O\xE2\x80\x98TKIR", "Уткир", "Откир"},
    {"SHOXRUX", "Шохрух", "Шохрух"},
    {"BOBUR", "Бобур", "Бобур"},
    {"G\xE2\x80\x98ULOM", "Гулом", "Ғулом"},
};
static const struct name3 uz_given_f[] = {
    {"DILNOZA", "Дилноза", "Дилноза"},
    {"NODIRA", "Нодира", "Нодира"},
    {"MAXLIYO", "Махлиё", "Махлиё"},
};
static const struct name3 tj_surnames[] = {
    {"QURBONOV", "Курбонов", "Қурбонов"},
    {"NAZAROV", "Назаров", "Назаров"},
    {"SAIDOV", "Саидов", "Саидов"},
    {"JURAEV", "Джураев", "Жураев"},
    {"HAKIMOV", "Хакимов", "Ҳакимов"},
};
static const struct name3 tj_given_m[] = {
    {"JAMSHED", "Джамшед", "Ҷамшед"},
    {"FARRUKH", "Фаррух", "Фаррух"},
    {"MUHAMMAD", "Мухаммад", "Мухаммад"},
};
static const struct name3 tj_given_f[] = {
    {"SHAHNOZA", "Шахноза", "Шахноза"},
    {"MADINA", "Мадина", "Мадина"},
};
static const struct name3 kg_surnames[] = {
    {"ASANOV", "Асанов", "Асанов"},
    {"TOKTOGULOV", "Токтогулов", "Токтогулов"},
    {"ABDYKADYROV", "Абдыкадыров", "Абдыкадыров"},
};
static const struct name3 kg_given[] = {
    {"AIBEK", "Айбек", "Айбек"},
    {"NURLAN", "Нурлан", "Нурлан"},
    {"BAKYT", "Бакыт", "Бакыт"},
};
/* Kazakh names in the second rendering keep their own letters (І, Ә), as
 * a translator from Kazakh may write them. */
static const struct name3 kz_surnames[] = {
    {"ZHAKUPOV", "Жакупов", "Жакупов"},
    {"SERIKBAYEV", "Серикбаев", "Серікбаев"},
};
static const struct name3 kz_given[] = {
    /* Тулеген is as common: the passport's Latin O has lost the Ө, which
     * Russian writes О or У, so the matcher takes it as a variant. */
    {"TOLEGEN", "Толеген", "Тулеген"},
    {"SERIK", "Серик", "Серік"},
    {"ALIYA", "Алия", "Әлия"},
};

#define PICK(st, arr) (&(arr)[synth_below((st), sizeof(arr) / sizeof((arr)[0]))])

static const struct name3 *last_surname, *last_given;

void synth_person(uint64_t *st, struct synth_person *p)
{
    memset(p, 0, sizeof *p);
    unsigned nat = synth_below(st, 4);
    p->male = synth_below(st, 3) != 0;
    const struct name3 *s, *g;
    switch (nat) {
        case 0:
            p->nationality = "UZB", p->country_ru = "Узбекистан";
            s = PICK(st, uz_surnames);
            g = p->male ? PICK(st, uz_given_m) : PICK(st, uz_given_f);
            snprintf(
                p->passport, sizeof p->passport, "%s%07u", synth_below(st, 2) ? "FA" : "AD", synth_below(st, 10000000));
            break;
        case 1:
            p->nationality = "TJK", p->country_ru = "Таджикистан";
            s = PICK(st, tj_surnames);
            g = p->male ? PICK(st, tj_given_m) : PICK(st, tj_given_f);
            snprintf(p->passport, sizeof p->passport, "4%08u", synth_below(st, 100000000));
            break;
        case 2:
            p->nationality = "KGZ", p->country_ru = "Киргизия";
            s = PICK(st, kg_surnames);
            g = PICK(st, kg_given);
            snprintf(p->passport, sizeof p->passport, "AC%07u", synth_below(st, 10000000));
            break;
        default:
            p->nationality = "KAZ", p->country_ru = "Казахстан";
            s = PICK(st, kz_surnames);
            g = PICK(st, kz_given);
            snprintf(p->passport, sizeof p->passport, "N%08u", synth_below(st, 100000000));
            break;
    }
    last_surname = s;
    last_given = g;
    p->surname_lat = s->lat, p->surname_ru = s->ru;
    p->given_lat = g->lat, p->given_ru = g->ru;
    p->patronymic_ru = "";
    p->birth =
        date_from_ymd(1970 + (int)synth_below(st, 35), 1 + (int)synth_below(st, 12), 1 + (int)synth_below(st, 28));
}

static json_t *jdate(date_t d)
{
    char b[11];
    date_format(d, b);
    return json_string(b);
}

/* What the catalogue says for this set. */
struct plan {
    const char *category;
    int age;
    const char *level; /* the language level needed, or NULL */
    const char *lower; /* a level below it, or NULL */
    int64_t fee;       /* roubles due, or -1 */
};

static const struct docset_rule *rule_of(
    const struct docset_catalogue *cat, const char *proc, int c, date_t on, enum docset_rule_kind kind)
{
    for (size_t i = 0; i < cat->n_rules; i++)
        if (cat->rules[i].kind == kind && docset_rule_applies(&cat->rules[i], proc, c, on))
            return &cat->rules[i];
    return NULL;
}

/* A document with the person's fields; Russian-language documents carry
 * the Russian spelling (or, with `alt`, the other legitimate one). */
static json_t *doc(
    const char *type, const struct synth_person *p, const struct plan *pl, bool latin, bool alt, date_t on)
{
    json_t *f = json_object();
    json_object_set_new(f, "surname", json_string(latin ? p->surname_lat : alt ? last_surname->ru_alt : p->surname_ru));
    json_object_set_new(f, "given_names", json_string(latin ? p->given_lat : alt ? last_given->ru_alt : p->given_ru));
    json_object_set_new(f, "birth_date", jdate(p->birth));
    bool own = !strcmp(type, "passport") || !strcmp(type, "passport_translation");
    json_object_set_new(f, own ? "doc_number" : "passport_number", json_string(p->passport));
    json_object_set_new(f, "issue_date", jdate(on - 20));
    if (!strcmp(type, "passport"))
        json_object_set_new(f, "expiry_date", jdate(on + 4 * 365));
    if (!strcmp(type, "migration_card")) {
        json_object_set_new(f, "entry_date", jdate(on - 12));
        json_object_set_new(f, "purpose", json_string("работа"));
    }
    if (!strcmp(type, "language_certificate"))
        json_object_set_new(f, "level", json_string(pl->level ? pl->level : "vnzh"));
    if (!strcmp(type, "fee_receipt"))
        json_object_set_new(f, "amount", json_integer(pl->fee >= 0 ? pl->fee : 0));
    if (!strcmp(type, "patent") || !strcmp(type, "labour_contract") || !strcmp(type, "employer_notice")) {
        json_object_set_new(f, "profession", json_string("подсобный рабочий"));
        json_object_set_new(f, "region", json_string("г. Москва"));
    }
    if (!strcmp(type, "patent"))
        json_object_set_new(f, "issue_date", jdate(on - 40));
    if (!strcmp(type, "fingerprint_card")) /* after the entry (on - 12) */
        json_object_set_new(f, "issue_date", jdate(on - 5));
    if (!strcmp(type, "tax_receipt"))
        json_object_set_new(f, "months", json_integer(3));
    if (!strcmp(type, "labour_contract"))
        json_object_set_new(f, "contract_date", jdate(on - 1));
    json_t *d = json_pack("{s:s, s:o}", "type", type, "fields", f);
    return d;
}

static const char *const latin_docs[] = {"passport", "migration_card", NULL};

static bool in(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(s, list[i]))
            return true;
    return false;
}

/* Swaps one а/о (or и → е) after the first letter: a typo one edit away. */
static void one_letter(const char *in_s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in_s);
    for (size_t i = 2; out[i] && out[i + 1]; i++) {
        unsigned char a = (unsigned char)out[i], b = (unsigned char)out[i + 1];
        if (a == 0xD0 && b == 0xB0) { /* а → о */
            out[i + 1] = (char)0xBE;
            return;
        }
        if (a == 0xD0 && b == 0xBE) { /* о → а */
            out[i + 1] = (char)0xB0;
            return;
        }
        if (a == 0xD0 && b == 0xB8) { /* и → е */
            out[i + 1] = (char)0xB5;
            return;
        }
    }
}

static json_t *find_doc(json_t *docs, const char *type)
{
    for (size_t i = 0; i < json_array_size(docs); i++) {
        json_t *d = json_array_get(docs, i);
        if (!strcmp(json_string_value(json_object_get(d, "type")), type))
            return d;
    }
    return NULL;
}

json_t *synth_set(uint64_t *st, const struct docset_catalogue *cat, const char *procedure, date_t on,
    enum synth_defect defect, struct synth_person *ret_person)
{
    struct synth_person p;
    bool patent = !strcmp(procedure, "patent");
    do
        synth_person(st, &p);
    while (patent && p.nationality[0] == 'K');
    struct plan pl = {.category = p.nationality[0] == 'K' ? "eaeu" : "visa_free", .fee = -1};
    if (!patent && synth_below(st, 10) == 0) {
        pl.category = "minor";
        p.birth = on - 15 * 365 - (date_t)synth_below(st, 300);
    }
    pl.age = docset_age_on(p.birth, on);
    int c = docset_category_index(cat, pl.category);
    const struct docset_rule *lang = rule_of(cat, procedure, c, on, DOCSET_RULE_LANGUAGE);
    if (lang) {
        pl.level = cat->levels[lang->level];
        pl.lower = lang->level > 0 ? cat->levels[lang->level - 1] : NULL;
    }
    const struct docset_rule *fee = rule_of(cat, procedure, c, on, DOCSET_RULE_FEE);
    if (fee)
        pl.fee = fee->amount;
    bool variant = defect == SYNTH_CLEAN && synth_below(st, 2);

    /* the complete set, from the require rules */
    json_t *docs = json_array();
    const struct docset_rule *droppable[64];
    size_t n_droppable = 0;
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct docset_rule *r = &cat->rules[i];
        if (r->kind != DOCSET_RULE_REQUIRE || !docset_rule_applies(r, procedure, c, on))
            continue;
        if ((r->age_min >= 0 && pl.age < r->age_min) || (r->age_max >= 0 && pl.age > r->age_max))
            continue;
        for (int k = 0; k < r->count; k++)
            json_array_append_new(docs, doc(r->document->id, &p, &pl, in(r->document->id, latin_docs), variant, on));
        if (r->severity == DOCSET_SEV_DEFECT && n_droppable < 64)
            droppable[n_droppable++] = r;
    }

    /* The arrival notice's tear-off part, which no procedure of the
     * catalogue asks for, goes with every set that holds a migration card:
     * people send the papers of their stay together, and the check
     * compares its name, birth date and number like any document's. */
    if (find_doc(docs, "migration_card"))
        json_array_append_new(docs, doc("registration_notice", &p, &pl, false, variant, on));
    /* Likewise the fingerprinting card (Law 274-ФЗ): one who came to work
     * has it within 30 days of entry and sends it with a patent set. */
    if (patent)
        json_array_append_new(docs, doc("fingerprint_card", &p, &pl, false, variant, on));

    /* a defect that cannot apply gives a clean set */
    json_t *med = find_doc(docs, "medical_certificate");
    bool russian_doc = false, has_pn = false;
    for (size_t i = 0; i < json_array_size(docs); i++) {
        json_t *d = json_array_get(docs, i);
        russian_doc |= !in(json_string_value(json_object_get(d, "type")), latin_docs);
        has_pn |= json_object_get(json_object_get(d, "fields"), "passport_number") != NULL;
    }
    if ((defect == SYNTH_MISSING_DOCUMENT && n_droppable == 0) ||
        (defect == SYNTH_EXPIRED_MEDICAL && (!med || !rule_of(cat, procedure, c, on, DOCSET_RULE_ISSUED_WITHIN))) ||
        (defect == SYNTH_WRONG_LEVEL && (!pl.lower || !find_doc(docs, "language_certificate"))) ||
        (defect == SYNTH_REGION_MISMATCH && (!find_doc(docs, "employer_notice") || !find_doc(docs, "patent"))) ||
        (defect == SYNTH_PASSPORT_DIGIT && (!find_doc(docs, "passport") || !has_pn)) ||
        (defect == SYNTH_PATENT_UNPAID &&
            (!find_doc(docs, "tax_receipt") || !rule_of(cat, procedure, c, on, DOCSET_RULE_PAID_THROUGH))) ||
        (defect == SYNTH_NAME_ONE_LETTER && !russian_doc))
        defect = SYNTH_CLEAN;

    const char *expected = "ready", *code = NULL;
    static char changed[128];
    switch (defect) {
        case SYNTH_CLEAN: break;
        case SYNTH_MISSING_DOCUMENT: {
            const struct docset_rule *r = droppable[synth_below(st, (unsigned)n_droppable)];
            /* drop one copy (the last): the count falls one short */
            for (size_t i = json_array_size(docs); i-- > 0;)
                if (!strcmp(json_string_value(json_object_get(json_array_get(docs, i), "type")), r->document->id)) {
                    json_array_remove(docs, i);
                    break;
                }
            expected = "returned", code = "missing_document";
            break;
        }
        case SYNTH_EXPIRED_MEDICAL:
            json_object_set_new(
                json_object_get(med, "fields"), "issue_date", jdate(on - 367 - (date_t)synth_below(st, 60)));
            expected = "returned", code = "expired_at_submission";
            break;
        case SYNTH_WRONG_LEVEL:
            json_object_set_new(
                json_object_get(find_doc(docs, "language_certificate"), "fields"), "level", json_string(pl.lower));
            expected = "returned", code = "language_level_too_low";
            break;
        case SYNTH_NAME_ONE_LETTER:
            for (size_t i = 0; i < json_array_size(docs); i++) {
                json_t *d = json_array_get(docs, i);
                if (!in(json_string_value(json_object_get(d, "type")), latin_docs)) {
                    one_letter(p.surname_ru, changed, sizeof changed);
                    json_object_set_new(json_object_get(d, "fields"), "surname", json_string(changed));
                    break;
                }
            }
            expected = "referred", code = "name_near";
            break;
        case SYNTH_PASSPORT_DIGIT:
            for (size_t i = 0; i < json_array_size(docs); i++) {
                json_t *d = json_array_get(docs, i);
                if (json_object_get(json_object_get(d, "fields"), "passport_number")) {
                    snprintf(changed, sizeof changed, "%s", p.passport);
                    size_t len = strlen(changed);
                    char *ch = &changed[len - 1 - synth_below(st, 6)];
                    *ch = (char)('0' + ((*ch - '0' + 1 + synth_below(st, 8)) % 10));
                    json_object_set_new(json_object_get(d, "fields"), "passport_number", json_string(changed));
                    break;
                }
            }
            expected = "returned", code = "number_mismatch";
            break;
        case SYNTH_REGION_MISMATCH:
            json_object_set_new(json_object_get(find_doc(docs, "employer_notice"), "fields"), "region",
                json_string("Московская область"));
            expected = "returned", code = "region_mismatch";
            break;
        case SYNTH_PATENT_UNPAID:
            /* the patent was issued 40 days ago: one month paid ran out ten days ago */
            json_object_set_new(json_object_get(find_doc(docs, "tax_receipt"), "fields"), "months", json_integer(1));
            expected = "returned", code = "patent_unpaid";
            break;
        case SYNTH_UNREADABLE_SCAN:
            json_object_set_new(
                json_array_get(docs, synth_below(st, (unsigned)json_array_size(docs))), "illegible", json_true());
            expected = "returned", code = "illegible";
            break;
        default: break;
    }
    char sub[11], dec[11];
    date_format(on, sub);
    date_format(on + 20, dec);
    json_t *person = json_pack("{s:s, s:s, s:s, s:s, s:s}", "nationality", p.nationality, "surname_lat", p.surname_lat,
        "surname_ru", p.surname_ru, "given_lat", p.given_lat, "given_ru", p.given_ru);
    json_t *truth = json_pack("{s:o, s:s, s:o, s:b, s:o}", "defect",
        defect == SYNTH_CLEAN ? json_null() : json_string(synth_defect_name(defect)), "expected_outcome", expected,
        "expected_code", code ? json_string(code) : json_null(), "variant", variant, "person", person);
    json_t *set = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "procedure", procedure, "category", pl.category,
        "submitted", sub, "decision", dec, "documents", docs, "truth", truth);
    if (ret_person)
        *ret_person = p;
    return set;
}
