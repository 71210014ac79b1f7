/*
 * Stress: 8 threads share ONE client, ONE verifier, ONE cipher (and one session validator) for
 * at least 50,000 mixed calls, checking every answer; meanwhile the main thread creates and
 * frees other handles (F05). Run plain and under AddressSanitizer/LeakSanitizer.
 * Uses PAS_TEST_TOKEN / PAS_TEST_JWKS / PAS_DEVSERVER_URL / PAS_TEST_RT when set.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"

#define THREADS 8
#define ITERS 1600 /* x 4+ calls per iteration x 8 threads >= 51,200 calls */

static pas_client *g_client;
static pas_verifier *g_verifier;
static pas_cipher *g_cipher;
static pas_session_validator *g_validator;
static const char *g_token, *g_rt, *g_base;
static atomic_long g_calls;
static atomic_int g_wrong;
static atomic_int g_done;

static const char RFC_VERIFIER[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

static pas_store_result find(void *ud, const char *sid, size_t n, pas_store_reply *reply) {
    (void)ud;
    (void)sid;
    (void)n;
    pas_store_reply_set_session(reply, S("ppnum-stress"), true, 7);
    return PAS_STORE_OK;
}
static pas_store_result fetch(void *ud, const char *sid, size_t n, pas_store_reply *reply) {
    (void)ud;
    (void)sid;
    (void)n;
    (void)reply;
    return PAS_STORE_NONE;
}
static pas_store_result persist(void *ud, const char *sid, size_t n, int64_t sv, const char *r, size_t rl) {
    (void)ud;
    (void)sid;
    (void)n;
    (void)sv;
    (void)r;
    (void)rl;
    return PAS_STORE_OK;
}
static const pas_session_store STORE = {find, fetch, persist, NULL, NULL};

#define WRONG(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            atomic_fetch_add(&g_wrong, 1);                                           \
            fprintf(stderr, "wrong answer at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

static void *worker(void *arg) {
    long id = (long)arg, calls = 0;
    int i;
    char msg[64], buf[128];
    size_t len;
    for (i = 0; i < ITERS; i++) {
        pas_bytes ct = {NULL, 0}, pt = {NULL, 0};
        int n = snprintf(msg, sizeof msg, "rt-%ld-%d", id, i);
        /* cipher */
        WRONG(pas_cipher_encrypt(g_cipher, msg, (size_t)n, &ct, NULL) == PAS_STATUS_OK);
        WRONG(pas_cipher_decrypt(g_cipher, (const char *)ct.data, ct.len, &pt, NULL) == PAS_STATUS_OK);
        WRONG(pt.len == (size_t)n && memcmp(pt.data, msg, pt.len) == 0);
        pas_bytes_free(&ct);
        pas_bytes_free(&pt);
        calls += 4;
        /* verifier */
        if (g_token) {
            pas_claims *c = NULL;
            pas_str sub;
            WRONG(pas_verifier_verify_cached(g_verifier, Z(g_token), 0, &c, NULL) == PAS_STATUS_OK);
            WRONG(pas_claims_subject(c, &sub) == PAS_STATUS_OK && str_eq(sub, "7NT2EH13K2PRVXYNEH52Q93JF8"));
            pas_claims_free(c);
            WRONG(pas_verifier_verify_cached(g_verifier, S("x.y.z"), 0, &c, NULL) == PAS_STATUS_TOKEN_MALFORMED);
            calls += 4;
        }
        /* client (no network) + pkce */
        {
            pas_auth_request *req = NULL;
            pas_str url;
            WRONG(pas_client_authorization_request_with(g_client, S(RFC_VERIFIER), S("st"), &req, NULL) == PAS_STATUS_OK);
            WRONG(pas_auth_request_url(req, &url) == PAS_STATUS_OK && url.len > 100);
            pas_auth_request_free(req);
            WRONG(pas_pkce_challenge_s256(S(RFC_VERIFIER), buf, sizeof buf, &len, NULL) == PAS_STATUS_OK);
            WRONG(strcmp(buf, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") == 0);
            calls += 4;
        }
        /* session validation served by the built-in cache */
        {
            pas_session_result r;
            WRONG(pas_session_validate(g_validator, &STORE, NULL, S("sid"), &r, NULL) == PAS_STATUS_OK);
            WRONG(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 7);
            calls += 1;
        }
        /* now and then a real refresh at pas-devserver through the shared client */
        if (g_rt && g_base && i % 400 == 0) {
            pas_tokens *t = NULL;
            WRONG(pas_client_refresh(g_client, Z(g_rt), &t, NULL) == PAS_STATUS_OK);
            pas_tokens_free(t);
            calls += 1;
        }
    }
    atomic_fetch_add(&g_calls, calls);
    return NULL;
}

static void *churn(void *arg) {
    (void)arg;
    /* Another thread frees *different* handles while the shared ones are in use (F05). */
    while (!atomic_load(&g_done)) {
        char key[64];
        size_t len;
        pas_cipher *c = NULL;
        pas_verifier_builder *b = NULL;
        pas_cipher_generate_key(key, sizeof key, &len);
        pas_cipher_new(key, len, &c, NULL);
        pas_cipher_free(c);
        pas_verifier_builder_new(S("i"), S("a"), &b);
        pas_verifier_builder_free(b);
    }
    return NULL;
}

int main(void) {
    pthread_t th[THREADS], churner;
    char key[64];
    size_t len;
    long i;
    pas_testing_pas *pas = NULL;
    const char *jwks = getenv("PAS_TEST_JWKS");
    g_token = getenv("PAS_TEST_TOKEN");
    g_rt = getenv("PAS_TEST_RT");
    g_base = getenv("PAS_DEVSERVER_URL");
    SECTION("stress");

    CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"),
                                g_base ? g_base : "https://pas.example", strlen(g_base ? g_base : "https://pas.example"),
                                5000, &g_client, NULL),
                 PAS_STATUS_OK);
    CHECK_STATUS(pas_cipher_generate_key(key, sizeof key, &len), PAS_STATUS_OK);
    CHECK_STATUS(pas_cipher_new(key, len, &g_cipher, NULL), PAS_STATUS_OK);
    if (g_token && jwks && g_base) {
        pas_verifier_builder *b = NULL;
        CHECK_STATUS(pas_verifier_builder_new(Z(g_base), S("pas-demo"), &b), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_jwks_json(b, Z(jwks)), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_build(b, &g_verifier, NULL), PAS_STATUS_OK);
    } else {
        g_token = NULL;
    }
    CHECK_STATUS(pas_testing_pas_new(&pas), PAS_STATUS_OK);
    CHECK_STATUS(pas_testing_validator_new(pas, g_cipher, &g_validator), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_validator_cache_set(g_validator, S("sv:ppnum-stress"), 7, 3600), PAS_STATUS_OK);

    pthread_create(&churner, NULL, churn, NULL);
    for (i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, worker, (void *)i);
    for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    atomic_store(&g_done, 1);
    pthread_join(churner, NULL);

    printf("stress: %d threads, %ld calls, %d wrong answers\n", THREADS, (long)atomic_load(&g_calls),
           atomic_load(&g_wrong));
    CHECK(atomic_load(&g_calls) >= 50000);
    CHECK(atomic_load(&g_wrong) == 0);

    pas_session_validator_free(g_validator);
    pas_testing_pas_free(pas);
    pas_verifier_free(g_verifier);
    pas_cipher_free(g_cipher);
    pas_client_free(g_client);
    return summary();
}
