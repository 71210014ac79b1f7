/* A tiny test harness: CHECK macros and a summary line CI can read ("N passed, M failed"). */
#ifndef PAS_TEST_HARNESS_H
#define PAS_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pas.h"

static int g_passed = 0;
static int g_failed = 0;
static const char *g_section = "";

#define SECTION(name) (g_section = (name))

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            g_passed++;                                                                      \
        } else {                                                                             \
            g_failed++;                                                                      \
            fprintf(stderr, "FAIL [%s] %s:%d: %s\n", g_section, __FILE__, __LINE__, #cond);  \
        }                                                                                    \
    } while (0)

#define CHECK_STATUS(expr, want)                                                             \
    do {                                                                                     \
        pas_status got_ = (expr);                                                            \
        if (got_ == (pas_status)(want)) {                                                    \
            g_passed++;                                                                      \
        } else {                                                                             \
            g_failed++;                                                                      \
            fprintf(stderr, "FAIL [%s] %s:%d: %s = %u (%s), want %s\n", g_section, __FILE__, \
                    __LINE__, #expr, (unsigned)got_, pas_status_name(got_), #want);          \
        }                                                                                    \
    } while (0)

/* A string literal as pointer + length. */
#define S(lit) (lit), (sizeof(lit) - 1)
/* A NUL-terminated string as pointer + length. */
#define Z(str) (str), strlen(str)

static int str_eq(pas_str s, const char *want) {
    return s.data != NULL && s.len == strlen(want) && memcmp(s.data, want, s.len) == 0;
}

static int summary(void) {
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}

#endif
