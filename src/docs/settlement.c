#include "docs/settlement.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "docs/translit.h"

/* Settlements by region. Each name once, in Russian as it is written in an
 * address; a name found in both regions (Первомайское, Октябрьский ...) is
 * not listed (see settlement.h). Sources: the list of municipal units of
 * Moscow Oblast and of New Moscow's settlements (2012 boundary change). */
static const struct place {
    const char *name, *region;
} catalogue[] = {
    /* 77: Moscow, with the towns and settlements that joined it */
    {"Москва", "77"},
    {"Moscow", "77"},
    {"Зеленоград", "77"},
    {"Троицк", "77"},
    {"Щербинка", "77"},
    {"Московский", "77"},
    {"Коммунарка", "77"},
    {"Внуково", "77"},
    {"Кокошкино", "77"},
    {"Рублёво", "77"},
    {"Некрасовка", "77"},
    {"Щапово", "77"},
    /* 50: Moscow Oblast */
    {"Балашиха", "50"},
    {"Подольск", "50"},
    {"Химки", "50"},
    {"Мытищи", "50"},
    {"Королёв", "50"},
    {"Люберцы", "50"},
    {"Красногорск", "50"},
    {"Электросталь", "50"},
    {"Коломна", "50"},
    {"Одинцово", "50"},
    {"Домодедово", "50"},
    {"Серпухов", "50"},
    {"Щёлково", "50"},
    {"Орехово-Зуево", "50"},
    {"Раменское", "50"},
    {"Долгопрудный", "50"},
    {"Жуковский", "50"},
    {"Пушкино", "50"},
    {"Реутов", "50"},
    {"Сергиев Посад", "50"},
    {"Ногинск", "50"},
    {"Воскресенск", "50"},
    {"Лобня", "50"},
    {"Клин", "50"},
    {"Ивантеевка", "50"},
    {"Дубна", "50"},
    {"Егорьевск", "50"},
    {"Чехов", "50"},
    {"Наро-Фоминск", "50"},
    {"Видное", "50"},
    {"Дмитров", "50"},
    {"Ступино", "50"},
    {"Павловский Посад", "50"},
    {"Лыткарино", "50"},
    {"Фрязино", "50"},
    {"Котельники", "50"},
    {"Дзержинский", "50"},
    {"Солнечногорск", "50"},
    {"Истра", "50"},
    {"Краснознаменск", "50"},
    {"Лосино-Петровский", "50"},
    {"Звенигород", "50"},
    {"Кашира", "50"},
    {"Шатура", "50"},
    {"Луховицы", "50"},
    {"Можайск", "50"},
    {"Руза", "50"},
    {"Волоколамск", "50"},
    {"Талдом", "50"},
    {"Зарайск", "50"},
    {"Электрогорск", "50"},
    {"Электроугли", "50"},
    {"Старая Купавна", "50"},
    {"Протвино", "50"},
    {"Пущино", "50"},
    {"Бронницы", "50"},
    {"Красноармейск", "50"},
    {"Кубинка", "50"},
    {"Апрелевка", "50"},
    {"Голицыно", "50"},
    {"Власиха", "50"},
    {"Черноголовка", "50"},
    {"Рошаль", "50"},
    {"Куровское", "50"},
    {"Ликино-Дулёво", "50"},
    {"Яхрома", "50"},
    {"Томилино", "50"},
    {"Малаховка", "50"},
    {"Нахабино", "50"},
    {"Софрино", "50"},
    {"Монино", "50"},
    {"Обухово", "50"},
    {"Сходня", "50"},
    {"Дедовск", "50"},
    {"Лесной Городок", "50"},
    {"Красково", "50"},
    {"Купавна", "50"},
    {"Хотьково", "50"},
    {"Краснозаводск", "50"},
    {"Верея", "50"},
    {"Озёры", "50"},
    {"Высоковск", "50"},
    {"Дрезна", "50"},
    {"Ожерелье", "50"},
};

/* Words that say what kind of place follows or precedes the name, as the
 * transliteration spells them ("г." -> "G", "пос." -> "POS"). */
static const char *const kinds[] = {"G", "GOR", "GOROD", "P", "POS", "POSELOK", "PGT", "RP", "S", "SELO", "D", "DER",
    "DEREVNIA", "MKR", "MIKRORAION", "GO", "GORODSKOI", "OKRUG", "CITY", "TOWN", NULL};

static bool is_kind(const char *w, size_t n)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strlen(kinds[i]) == n && memcmp(kinds[i], w, n) == 0)
            return true;
    return false;
}

/* The part's transliteration with the kind words dropped, or NULL (caller
 * frees). Dots, brackets and quotes separate words ("г.Химки"). */
static char *name_key(const char *s, size_t len)
{
    char buf[TRANSLIT_INPUT_MAX];
    if (len >= sizeof buf)
        return NULL;
    for (size_t i = 0; i < len; i++)
        buf[i] = strchr(".()\"", s[i]) && s[i] ? ' ' : s[i];
    char *latin = NULL;
    err_t e = {0};
    if (translit_to_latin(buf, len, &latin, &e) < 0)
        return NULL;
    char *out = latin, *w = latin;
    while (*w) {
        size_t n = strcspn(w, " ");
        if (!is_kind(w, n)) {
            if (out != latin)
                *out++ = ' ';
            memmove(out, w, n);
            out += n;
        }
        w += n;
        w += strspn(w, " ");
    }
    *out = '\0';
    return latin;
}

#define SETTLEMENT_PARTS_MAX 4
#define CATALOGUE_N (sizeof catalogue / sizeof catalogue[0])

/* The catalogue's names as the lookup compares them, made once per process
 * (a check compares with every name) and kept for its life. */
static char *catalogue_keys[CATALOGUE_N];
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void make_keys(void)
{
    for (size_t i = 0; i < CATALOGUE_N; i++)
        catalogue_keys[i] = name_key(catalogue[i].name, strlen(catalogue[i].name));
}

static const char *lookup(const char *typed)
{
    pthread_once(&keys_once, make_keys);
    for (size_t i = 0; i < CATALOGUE_N; i++) {
        enum translit_match m = translit_compare(typed, catalogue_keys[i], false);
        if (m == TRANSLIT_EXACT || m == TRANSLIT_VARIANT)
            return catalogue[i].region;
    }
    return NULL;
}

const char *settlement_region(const char *s, size_t len)
{
    if (!s)
        return NULL;
    /* from the last comma-separated part: "Московская обл., г. Химки"; an
     * address has a few, and each costs a pass over the catalogue */
    size_t end = len;
    for (int parts = 0; parts < SETTLEMENT_PARTS_MAX; parts++) {
        size_t start = end;
        while (start > 0 && s[start - 1] != ',')
            start--;
        char *key = name_key(s + start, end - start);
        const char *region = key && key[0] ? lookup(key) : NULL;
        free(key);
        if (region)
            return region;
        if (start == 0)
            return NULL;
        end = start - 1;
    }
    return NULL;
}

size_t settlement_catalogue_size(void)
{
    return CATALOGUE_N;
}
