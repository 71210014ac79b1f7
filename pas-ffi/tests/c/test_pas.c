/*
 * C tests of libpas: every exported function, NULL arguments, too-small buffers, invalid UTF-8,
 * wrong keys, and the session scenarios of pas-core/tests/session_scenarios.rs through the
 * callback driver and the step machine (same decisions and causes).
 *
 * Network tests use pas-devserver when the runner provides PAS_DEVSERVER_URL, PAS_TEST_TOKEN,
 * PAS_TEST_JWKS, PAS_TEST_RT and PAS_TEST_CODE (scripts/test-ffi.sh does); without them they
 * are skipped and counted as such.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>

#include "harness.h"

static const char BAD_UTF8[] = "ab\xff\xfe";
static const char RFC_VERIFIER[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char RFC_CHALLENGE[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
static int g_skipped = 0;

/* ------------------------------------------------------------------------------------------ */
static void test_names_and_versions(void) {
    SECTION("names");
    CHECK(strncmp(pas_version(), "pas/", 4) == 0);
    CHECK(pas_abi_version() == PAS_ABI_VERSION);
    CHECK(strcmp(pas_status_name(PAS_STATUS_OK), "ok") == 0);
    CHECK(strcmp(pas_status_name(99999), "unknown") == 0);
    /* Every status constant of the header names itself: the header matches the library. */
#define NAME_OF(c) CHECK(strcmp(pas_status_name(PAS_STATUS_##c), lower(#c)) == 0)
    {
        static char buf[64];
#define lower(s) (lower_into(buf, (s)))
        extern const char *lower_into(char *, const char *);
        NAME_OF(INVALID_ARGUMENT); NAME_OF(NULL_ARGUMENT); NAME_OF(INVALID_UTF8); NAME_OF(BUFFER_TOO_SMALL);
        NAME_OF(INVALID_CONFIG); NAME_OF(INVALID_URL); NAME_OF(INVALID_VERIFIER); NAME_OF(DISCOVERY_FAILED);
        NAME_OF(WOULD_DEADLOCK); NAME_OF(PANIC); NAME_OF(INTERNAL); NAME_OF(RUNTIME_UNAVAILABLE);
        NAME_OF(PAS_REJECTED); NAME_OF(PAS_SERVER_ERROR); NAME_OF(PAS_TRANSPORT); NAME_OF(PAS_TIMEOUT);
        NAME_OF(PAS_BAD_RESPONSE); NAME_OF(TOKEN_MALFORMED); NAME_OF(TOKEN_TOO_LARGE); NAME_OF(ALG_NOT_ALLOWED);
        NAME_OF(TYP_INVALID); NAME_OF(HEADER_INVALID); NAME_OF(KID_UNKNOWN); NAME_OF(SIGNATURE_INVALID);
        NAME_OF(TOKEN_EXPIRED); NAME_OF(TOKEN_NOT_YET_VALID); NAME_OF(IAT_IN_FUTURE); NAME_OF(LIFETIME_TOO_LONG);
        NAME_OF(ISSUER_INVALID); NAME_OF(AUDIENCE_INVALID); NAME_OF(CLAIM_MISSING); NAME_OF(CLAIM_INVALID);
        NAME_OF(CATEGORY_INVALID); NAME_OF(JWKS_UNAVAILABLE); NAME_OF(JWKS_INVALID); NAME_OF(KEY_INVALID);
        NAME_OF(KEY_WRONG_LENGTH); NAME_OF(ENCRYPT_FAILED); NAME_OF(CIPHERTEXT_MALFORMED);
        NAME_OF(CIPHERTEXT_TRUNCATED); NAME_OF(DECRYPT_FAILED); NAME_OF(STORE_FAILED); NAME_OF(INVALID_STATE);
#undef NAME_OF
#define NAME_OF(c) CHECK(strcmp(pas_cause_name(PAS_CAUSE_##c), lower(#c)) == 0)
        NAME_OF(NONE); NAME_OF(SESSION_UNKNOWN); NAME_OF(NO_CIPHER); NAME_OF(CIPHERTEXT_MISSING);
        NAME_OF(CIPHERTEXT_LOOKUP_FAILED); NAME_OF(DECRYPT_FAILED); NAME_OF(PAS_REJECTED);
        NAME_OF(PAS_UNAVAILABLE); NAME_OF(SV_MISSING); NAME_OF(SV_INVALID); NAME_OF(SV_REGRESSED);
        NAME_OF(ENCRYPT_FAILED); NAME_OF(PERSIST_FAILED); NAME_OF(SESSION_GONE);
#undef NAME_OF
#undef lower
    }
    CHECK(strcmp(pas_cause_name(999), "unknown") == 0);
    CHECK(PAS_DECISION_EXPIRED == 0);
}

const char *lower_into(char *buf, const char *s) {
    size_t i = 0;
    for (; s[i] && i < 63; i++) buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    buf[i] = 0;
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
static void test_errors_and_panic(void) {
    SECTION("errors");
    pas_error *err = NULL;
    CHECK(pas_error_code(NULL) == PAS_STATUS_NULL_ARGUMENT);
    CHECK(strcmp(pas_error_name(NULL), "null_argument") == 0);
    CHECK(strcmp(pas_error_message(NULL), "") == 0);
    CHECK(pas_error_http_status(NULL) == 0);
    CHECK(pas_error_oauth_error(NULL) == NULL);
    CHECK(pas_error_retry_after_ms(NULL) == -1);
    pas_error_free(NULL);
    pas_bytes_free(NULL);

    CHECK_STATUS(pas_testing_panic(&err), PAS_STATUS_PANIC);
    CHECK(err != NULL && pas_error_code(err) == PAS_STATUS_PANIC);
    CHECK(strcmp(pas_error_name(err), "panic") == 0);
    CHECK(strstr(pas_error_message(err), "panic") != NULL);
    pas_error_free(err);
    CHECK_STATUS(pas_testing_panic(NULL), PAS_STATUS_PANIC);
}

/* ------------------------------------------------------------------------------------------ */
static void test_pkce(void) {
    SECTION("pkce");
    char buf[256];
    size_t len = 0;
    pas_error *err = NULL;

    CHECK_STATUS(pas_pkce_new_verifier(buf, sizeof buf, &len), PAS_STATUS_OK);
    CHECK(len == PAS_PKCE_VERIFIER_LEN && strlen(buf) == len);
    CHECK_STATUS(pas_pkce_new_verifier(NULL, 0, &len), PAS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == PAS_PKCE_VERIFIER_LEN + 1);
    memset(buf, 'Z', sizeof buf);
    CHECK_STATUS(pas_pkce_new_verifier(buf, PAS_PKCE_VERIFIER_LEN, &len), PAS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == PAS_PKCE_VERIFIER_LEN + 1 && buf[0] == 'Z'); /* untouched */
    CHECK_STATUS(pas_pkce_new_verifier(buf, sizeof buf, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_pkce_new_verifier(NULL, 100, &len), PAS_STATUS_NULL_ARGUMENT);

    CHECK_STATUS(pas_pkce_new_state(buf, sizeof buf, &len), PAS_STATUS_OK);
    CHECK(len == PAS_STATE_LEN);
    CHECK_STATUS(pas_pkce_new_state(buf, 5, &len), PAS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == PAS_STATE_LEN + 1);
    CHECK_STATUS(pas_pkce_new_state(buf, 5, NULL), PAS_STATUS_NULL_ARGUMENT);

    CHECK_STATUS(pas_pkce_challenge_s256(S(RFC_VERIFIER), buf, sizeof buf, &len, &err), PAS_STATUS_OK);
    CHECK(len == PAS_PKCE_CHALLENGE_LEN && strcmp(buf, RFC_CHALLENGE) == 0);
    CHECK(err == NULL);
    CHECK_STATUS(pas_pkce_challenge_s256(S(RFC_VERIFIER), buf, PAS_PKCE_CHALLENGE_LEN, &len, NULL),
                 PAS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == PAS_PKCE_CHALLENGE_LEN + 1);
    CHECK_STATUS(pas_pkce_challenge_s256(S("short"), buf, sizeof buf, &len, &err), PAS_STATUS_INVALID_VERIFIER);
    CHECK(err != NULL && strcmp(pas_error_name(err), "invalid_verifier") == 0);
    CHECK(err != NULL && strstr(pas_error_message(err), "short") == NULL); /* no input echoed */
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_pkce_challenge_s256(S(BAD_UTF8), buf, sizeof buf, &len, &err), PAS_STATUS_INVALID_UTF8);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_pkce_challenge_s256(NULL, 43, buf, sizeof buf, &len, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_pkce_challenge_s256(S(RFC_VERIFIER), buf, sizeof buf, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
}

/* ------------------------------------------------------------------------------------------ */
static pas_cipher *make_cipher(char *key_out) {
    char key[64];
    size_t len = 0;
    pas_cipher *c = NULL;
    if (pas_pkce_new_state(key, sizeof key, &len) != PAS_STATUS_OK) return NULL; /* warm-up */
    if (pas_cipher_generate_key(key, sizeof key, &len) != PAS_STATUS_OK) return NULL;
    if (key_out) memcpy(key_out, key, len + 1);
    if (pas_cipher_new(key, len, &c, NULL) != PAS_STATUS_OK) return NULL;
    return c;
}

static void test_cipher(void) {
    SECTION("cipher");
    char key[64], key2[64];
    size_t len = 0, count = 0;
    pas_error *err = NULL;
    pas_cipher *c = NULL, *other = NULL, *ring = NULL;
    pas_bytes ct = {NULL, 0}, pt = {NULL, 0}, ct_old = {NULL, 0};

    CHECK_STATUS(pas_cipher_generate_key(key, 10, &len), PAS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == PAS_CIPHER_KEY_B64_LEN + 1);
    CHECK_STATUS(pas_cipher_generate_key(key, sizeof key, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_generate_key(key, sizeof key, &len), PAS_STATUS_OK);
    CHECK(len == PAS_CIPHER_KEY_B64_LEN);

    CHECK_STATUS(pas_cipher_new(Z(key), &c, &err), PAS_STATUS_OK);
    CHECK(err == NULL);
    CHECK_STATUS(pas_cipher_new(S("not base64!"), &other, &err), PAS_STATUS_KEY_INVALID);
    CHECK(other == NULL && err != NULL && pas_error_code(err) == PAS_STATUS_KEY_INVALID);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_cipher_new(S("AAAA"), &other, NULL), PAS_STATUS_KEY_WRONG_LENGTH);
    CHECK_STATUS(pas_cipher_new(S(BAD_UTF8), &other, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_cipher_new(NULL, 4, &other, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_new(Z(key), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);

    CHECK_STATUS(pas_cipher_encrypt(c, S("rt-123"), &ct, &err), PAS_STATUS_OK);
    CHECK(ct.data != NULL && ct.len > 28 && ct.data[ct.len] == 0);
    CHECK_STATUS(pas_cipher_decrypt(c, (const char *)ct.data, ct.len, &pt, &err), PAS_STATUS_OK);
    CHECK(pt.len == 6 && memcmp(pt.data, "rt-123", 6) == 0);
    pas_bytes_free(&pt);
    CHECK(pt.data == NULL && pt.len == 0);
    pas_bytes_free(&pt); /* idempotent on a reset buffer */
    CHECK_STATUS(pas_cipher_encrypt(c, S(""), &pt, NULL), PAS_STATUS_OK);
    pas_bytes_free(&pt);

    /* Wrong key. */
    CHECK_STATUS(pas_cipher_generate_key(key2, sizeof key2, &len), PAS_STATUS_OK);
    CHECK_STATUS(pas_cipher_new(Z(key2), &other, NULL), PAS_STATUS_OK);
    CHECK_STATUS(pas_cipher_decrypt(other, (const char *)ct.data, ct.len, &pt, &err), PAS_STATUS_DECRYPT_FAILED);
    CHECK(pt.data == NULL); /* outputs only on OK */
    CHECK(err != NULL && strcmp(pas_error_name(err), "decrypt_failed") == 0);
    CHECK(err != NULL && strstr(pas_error_message(err), "rt-123") == NULL);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_cipher_decrypt(c, S("%%%"), &pt, NULL), PAS_STATUS_CIPHERTEXT_MALFORMED);
    CHECK_STATUS(pas_cipher_decrypt(c, S("AAAA"), &pt, NULL), PAS_STATUS_CIPHERTEXT_TRUNCATED);
    CHECK_STATUS(pas_cipher_decrypt(c, S(BAD_UTF8), &pt, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_cipher_decrypt(NULL, S("x"), &pt, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_decrypt(c, NULL, 3, &pt, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_decrypt(c, S("x"), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_encrypt(NULL, S("x"), &pt, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_encrypt(c, NULL, 1, &pt, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_encrypt(c, S(BAD_UTF8), &pt, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_cipher_encrypt(c, S("x"), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);

    /* Key ring: new primary key2, old key decrypts. */
    {
        pas_str previous[1];
        previous[0].data = key;
        previous[0].len = strlen(key);
        CHECK_STATUS(pas_cipher_new_ring(Z(key2), previous, 1, &ring, &err), PAS_STATUS_OK);
        CHECK_STATUS(pas_cipher_key_count(ring, &count), PAS_STATUS_OK);
        CHECK(count == 2);
        CHECK_STATUS(pas_cipher_decrypt(ring, (const char *)ct.data, ct.len, &pt, NULL), PAS_STATUS_OK);
        CHECK(pt.len == 6 && memcmp(pt.data, "rt-123", 6) == 0);
        pas_bytes_free(&pt);
        CHECK_STATUS(pas_cipher_encrypt(ring, S("rt-new"), &ct_old, NULL), PAS_STATUS_OK);
        CHECK_STATUS(pas_cipher_decrypt(c, (const char *)ct_old.data, ct_old.len, &pt, NULL), PAS_STATUS_DECRYPT_FAILED);
        CHECK_STATUS(pas_cipher_decrypt(other, (const char *)ct_old.data, ct_old.len, &pt, NULL), PAS_STATUS_OK);
        pas_bytes_free(&pt);
        pas_bytes_free(&ct_old);
        previous[0].data = BAD_UTF8;
        previous[0].len = 4;
        CHECK_STATUS(pas_cipher_new_ring(Z(key2), previous, 1, &ring, NULL), PAS_STATUS_INVALID_UTF8);
        previous[0].data = "AAAA";
        CHECK_STATUS(pas_cipher_new_ring(Z(key2), previous, 1, &ring, NULL), PAS_STATUS_KEY_WRONG_LENGTH);
        CHECK_STATUS(pas_cipher_new_ring(Z(key2), NULL, 1, &ring, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_cipher_new_ring(NULL, 0, NULL, 0, &ring, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_cipher_new_ring(Z(key2), NULL, 0, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    }
    CHECK_STATUS(pas_cipher_key_count(NULL, &count), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_cipher_key_count(c, NULL), PAS_STATUS_NULL_ARGUMENT);

    pas_bytes_free(&ct);
    pas_cipher_free(ring);
    pas_cipher_free(other);
    pas_cipher_free(c);
    pas_cipher_free(NULL);
}

/* ------------------------------------------------------------------------------------------ */
static const char *env(const char *name) {
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static void test_client_offline(void) {
    SECTION("client");
    pas_client *cl = NULL;
    pas_auth_request *req = NULL;
    pas_error *err = NULL;
    pas_str v;

    CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"), S("ftp://x"), 0, &cl, &err),
                 PAS_STATUS_INVALID_URL);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_client_new(S(""), S("http://127.0.0.1:8765/cb"), S("https://pas.example"), 0, &cl, NULL),
                 PAS_STATUS_INVALID_CONFIG);
    CHECK_STATUS(pas_client_new(S(BAD_UTF8), S("http://127.0.0.1:8765/cb"), S("https://pas.example"), 0, &cl, NULL),
                 PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_client_new(NULL, 1, S("http://127.0.0.1:8765/cb"), S("https://pas.example"), 0, &cl, NULL),
                 PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_client_new(S("c"), S("http://127.0.0.1:8765/cb"), S("https://pas.example"), 0, NULL, NULL),
                 PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"), S("https://pas.example"), 2000, &cl, NULL),
                 PAS_STATUS_OK);

    CHECK_STATUS(pas_client_authorization_request(cl, &req, &err), PAS_STATUS_OK);
    CHECK_STATUS(pas_auth_request_url(req, &v), PAS_STATUS_OK);
    CHECK(v.len > 40 && strncmp(v.data, "https://pas.example/oauth/authorize?response_type=code", 54) == 0);
    CHECK_STATUS(pas_auth_request_state(req, &v), PAS_STATUS_OK);
    CHECK(v.len == PAS_STATE_LEN);
    CHECK_STATUS(pas_auth_request_code_verifier(req, &v), PAS_STATUS_OK);
    CHECK(v.len == PAS_PKCE_VERIFIER_LEN);
    CHECK_STATUS(pas_auth_request_url(NULL, &v), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_auth_request_url(req, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_auth_request_state(NULL, &v), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_auth_request_code_verifier(NULL, &v), PAS_STATUS_NULL_ARGUMENT);
    pas_auth_request_free(req);
    req = NULL;

    CHECK_STATUS(pas_client_authorization_request_with(cl, S(RFC_VERIFIER), S("st-1"), &req, NULL), PAS_STATUS_OK);
    CHECK_STATUS(pas_auth_request_url(req, &v), PAS_STATUS_OK);
    {
        char url[1024];
        size_t n = v.len < sizeof url - 1 ? v.len : sizeof url - 1;
        memcpy(url, v.data, n);
        url[n] = 0;
        CHECK(strstr(url, "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") != NULL);
        CHECK(strstr(url, "&state=st-1&") != NULL);
        CHECK(strstr(url, "code_challenge_method=S256") != NULL);
    }
    pas_auth_request_free(req);
    req = NULL;
    CHECK_STATUS(pas_client_authorization_request_with(cl, S("short"), S("s"), &req, &err), PAS_STATUS_INVALID_VERIFIER);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_client_authorization_request_with(cl, S(RFC_VERIFIER), S(""), &req, NULL), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_client_authorization_request_with(cl, S(RFC_VERIFIER), S(BAD_UTF8), &req, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_client_authorization_request_with(NULL, S(RFC_VERIFIER), S("s"), &req, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_client_authorization_request_with(cl, S(RFC_VERIFIER), S("s"), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_client_authorization_request(NULL, &req, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_client_authorization_request(cl, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK(req == NULL);
    pas_auth_request_free(NULL);

    /* Network calls with bad arguments fail before any I/O. */
    {
        pas_tokens *t = NULL;
        pas_liveness_result lr;
        CHECK_STATUS(pas_client_exchange_code(NULL, S("c"), S(RFC_VERIFIER), &t, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_client_exchange_code(cl, S(BAD_UTF8), S(RFC_VERIFIER), &t, NULL), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_client_exchange_code(cl, S("c"), S(RFC_VERIFIER), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_client_refresh(NULL, S("rt"), &t, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_client_refresh(cl, S(BAD_UTF8), &t, NULL), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_client_refresh(cl, S("rt"), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_client_liveness_refresh(cl, NULL, S("ct"), &lr, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_client_liveness_refresh(NULL, NULL, S("ct"), &lr, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK(t == NULL);
    }
    /* Tokens accessors with NULL. */
    {
        pas_str s;
        int64_t e;
        CHECK_STATUS(pas_tokens_access_token(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_tokens_refresh_token(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_tokens_id_token(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_tokens_token_type(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_tokens_scope(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_tokens_expires_in(NULL, &e), PAS_STATUS_NULL_ARGUMENT);
        pas_tokens_free(NULL);
    }
    pas_client_free(cl);
    pas_client_free(NULL);
}

static void test_client_devserver(void) {
    SECTION("client-devserver");
    const char *base = env("PAS_DEVSERVER_URL"), *code = env("PAS_TEST_CODE"), *rt_env = env("PAS_TEST_RT");
    pas_client *cl = NULL, *dead = NULL;
    pas_tokens *t = NULL, *t2 = NULL;
    pas_error *err = NULL;
    pas_cipher *c = make_cipher(NULL);
    pas_str s;
    int64_t exp = 0;
    if (!base || !code || !rt_env) {
        g_skipped++;
        pas_cipher_free(c);
        return;
    }
    CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"), Z(base), 5000, &cl, NULL), PAS_STATUS_OK);
    CHECK_STATUS(pas_client_exchange_code(cl, Z(code), S(RFC_VERIFIER), &t, &err), PAS_STATUS_OK);
    if (err) fprintf(stderr, "  exchange: %s\n", pas_error_message(err));
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_tokens_access_token(t, &s), PAS_STATUS_OK);
    CHECK(s.len > 100 && strncmp(s.data, "eyJ", 3) == 0);
    CHECK_STATUS(pas_tokens_token_type(t, &s), PAS_STATUS_OK);
    CHECK(s.len == 6);
    CHECK_STATUS(pas_tokens_scope(t, &s), PAS_STATUS_OK);
    CHECK(s.data != NULL);
    CHECK_STATUS(pas_tokens_id_token(t, &s), PAS_STATUS_OK);
    CHECK_STATUS(pas_tokens_expires_in(t, &exp), PAS_STATUS_OK);
    CHECK(exp == 300);
    CHECK_STATUS(pas_tokens_expires_in(t, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_tokens_access_token(t, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_tokens_refresh_token(t, &s), PAS_STATUS_OK);
    CHECK(s.data != NULL && s.len > 10);
    if (s.data != NULL) {
        pas_bytes ct = {NULL, 0};
        pas_liveness_result lr;
        CHECK_STATUS(pas_client_refresh(cl, s.data, s.len, &t2, &err), PAS_STATUS_OK);
        pas_tokens_free(t2);
        t2 = NULL;
        /* Liveness: fresh with the live token; revoked for a bogus one; decrypt failure. */
        CHECK_STATUS(pas_cipher_encrypt(c, s.data, s.len, &ct, NULL), PAS_STATUS_OK);
        CHECK_STATUS(pas_client_liveness_refresh(cl, c, (const char *)ct.data, ct.len, &lr, &err), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_FRESH && lr.cause == NULL);
        pas_bytes_free(&lr.rotated_ciphertext);
        pas_bytes_free(&ct);
        CHECK_STATUS(pas_cipher_encrypt(c, S("rt-bogus"), &ct, NULL), PAS_STATUS_OK);
        CHECK_STATUS(pas_client_liveness_refresh(cl, c, (const char *)ct.data, ct.len, &lr, NULL), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_REVOKED && lr.cause && strcmp(lr.cause, "pas_rejected") == 0);
        CHECK(lr.http_status == 400);
        pas_bytes_free(&ct);
        CHECK_STATUS(pas_client_liveness_refresh(cl, c, S("garbage"), &lr, NULL), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_REVOKED && lr.cause && strcmp(lr.cause, "decrypt_failed") == 0);
        CHECK_STATUS(pas_client_liveness_refresh(cl, c, S(BAD_UTF8), &lr, NULL), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_client_liveness_refresh(cl, c, S("x"), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    }
    /* The code is single-use: a replay is rejected with PAS's OAuth error. */
    CHECK_STATUS(pas_client_exchange_code(cl, Z(code), S(RFC_VERIFIER), &t2, &err), PAS_STATUS_PAS_REJECTED);
    CHECK(err != NULL && pas_error_http_status(err) == 400);
    CHECK(err != NULL && pas_error_oauth_error(err) != NULL && strcmp(pas_error_oauth_error(err), "invalid_grant") == 0);
    CHECK(err != NULL && strstr(pas_error_message(err), code) == NULL);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_client_refresh(cl, S("rt-bogus"), &t2, &err), PAS_STATUS_PAS_REJECTED);
    CHECK(t2 == NULL);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_client_refresh(cl, Z(rt_env), &t2, NULL), PAS_STATUS_OK);
    pas_tokens_free(t2);

    /* Nothing listens on port 1: transport failure, and liveness keeps the session. */
    CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"), S("http://127.0.0.1:1"), 2000, &dead, NULL),
                 PAS_STATUS_OK);
    CHECK_STATUS(pas_client_refresh(dead, S("rt"), &t2, NULL), PAS_STATUS_PAS_TRANSPORT);
    {
        pas_bytes ct = {NULL, 0};
        pas_liveness_result lr;
        CHECK_STATUS(pas_cipher_encrypt(c, S("rt"), &ct, NULL), PAS_STATUS_OK);
        CHECK_STATUS(pas_client_liveness_refresh(dead, c, (const char *)ct.data, ct.len, &lr, NULL), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_TRANSIENT && lr.cause && strcmp(lr.cause, "pas_unavailable") == 0);
        pas_bytes_free(&ct);
    }
    pas_client_free(dead);
    pas_tokens_free(t);
    pas_client_free(cl);
    pas_cipher_free(c);
}

/* ------------------------------------------------------------------------------------------ */
static pas_verifier *build_json_verifier(const char *issuer, const char *aud, const char *jwks, pas_status *st) {
    pas_verifier_builder *b = NULL;
    pas_verifier *v = NULL;
    *st = pas_verifier_builder_new(Z(issuer), Z(aud), &b);
    if (*st != PAS_STATUS_OK) return NULL;
    *st = pas_verifier_builder_jwks_json(b, Z(jwks));
    if (*st != PAS_STATUS_OK) {
        pas_verifier_builder_free(b);
        return NULL;
    }
    *st = pas_verifier_builder_build(b, &v, NULL);
    return v;
}

static void test_verifier(void) {
    SECTION("verifier");
    pas_verifier_builder *b = NULL;
    pas_verifier *v = NULL;
    pas_claims *cl = NULL;
    pas_error *err = NULL;
    pas_status st;
    pas_str s;
    const char *base = env("PAS_DEVSERVER_URL"), *token = env("PAS_TEST_TOKEN"), *jwks = env("PAS_TEST_JWKS");

    CHECK_STATUS(pas_verifier_builder_new(NULL, 1, S("a"), &b), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S(BAD_UTF8), &b), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_new(S("https://pas.example"), S("aud"), &b), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_allow_alg(b, 99), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_allow_alg(b, PAS_ALG_ES256), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_allow_alg(NULL, PAS_ALG_ES256), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_set_leeway_s(b, 30), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_set_leeway_s(NULL, 30), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_set_pas_profile(b, 2), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_set_pas_profile(b, 1), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_set_pas_profile(NULL, 1), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_jwks_json(b, S(BAD_UTF8)), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_verifier_builder_jwks_json(NULL, S("{}")), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_jwks_url(b, NULL, 3, 0, 0), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_jwks_url(NULL, S("https://x"), 0, 0), PAS_STATUS_NULL_ARGUMENT);
    /* No key source: build fails and consumes the builder (ASan/valgrind prove no leak). */
    CHECK_STATUS(pas_verifier_builder_build(b, &v, &err), PAS_STATUS_INVALID_CONFIG);
    CHECK(v == NULL && err != NULL);
    pas_error_free(err);
    err = NULL;
    CHECK_STATUS(pas_verifier_builder_build(NULL, &v, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), &b), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_build(b, NULL, NULL), PAS_STATUS_NULL_ARGUMENT); /* consumed too */
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), &b), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_jwks_json(b, S("{\"keys\":[]}")), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_build(b, &v, NULL), PAS_STATUS_JWKS_INVALID);
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), &b), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_jwks_url(b, S("http://pas.example/jwks"), 0, 0), PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_builder_build(b, &v, NULL), PAS_STATUS_INVALID_URL);
    CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), &b), PAS_STATUS_OK);
    pas_verifier_builder_free(b);
    pas_verifier_builder_free(NULL);
    /* Replacing the allow-list: unknown numbers and NULL are refused, an empty list fails build. */
    {
        const uint32_t bad[] = {PAS_ALG_ES256, 99};
        CHECK_STATUS(pas_verifier_builder_new(S("i"), S("a"), &b), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_set_algs(NULL, bad, 1), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_verifier_builder_set_algs(b, NULL, 1), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_verifier_builder_set_algs(b, bad, 2), PAS_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(pas_verifier_builder_set_algs(b, NULL, 0), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_jwks_json(b, S("{\"keys\":[]}")), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_build(b, &v, NULL), PAS_STATUS_INVALID_CONFIG);
        CHECK(v == NULL);
    }

    /* Claims accessors with NULL. */
    {
        pas_claims_numbers n;
        bool has = false;
        CHECK_STATUS(pas_claims_subject(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_issuer(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_client_id(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_jwt_id(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_session_id(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_key_id(NULL, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_scope_at(NULL, 0, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_audience_at(NULL, 0, &s), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_numbers_get(NULL, &n), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_has_scope(NULL, S("x"), &has), PAS_STATUS_NULL_ARGUMENT);
        pas_claims_free(NULL);
        pas_verifier_free(NULL);
    }
    if (!base || !token || !jwks) {
        g_skipped++;
        return;
    }
    v = build_json_verifier(base, "pas-demo", jwks, &st);
    CHECK_STATUS(st, PAS_STATUS_OK);
    CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, &err), PAS_STATUS_OK);
    if (err) fprintf(stderr, "  verify: %s\n", pas_error_message(err));
    pas_error_free(err);
    err = NULL;
    {
        pas_claims_numbers n;
        bool has = false;
        CHECK_STATUS(pas_claims_subject(cl, &s), PAS_STATUS_OK);
        CHECK(str_eq(s, "7NT2EH13K2PRVXYNEH52Q93JF8"));
        CHECK_STATUS(pas_claims_issuer(cl, &s), PAS_STATUS_OK);
        CHECK(str_eq(s, base));
        CHECK_STATUS(pas_claims_client_id(cl, &s), PAS_STATUS_OK);
        CHECK(str_eq(s, "pas-demo"));
        CHECK_STATUS(pas_claims_jwt_id(cl, &s), PAS_STATUS_OK);
        CHECK(s.len > 0);
        CHECK_STATUS(pas_claims_session_id(cl, &s), PAS_STATUS_OK);
        CHECK(s.data != NULL);
        CHECK_STATUS(pas_claims_key_id(cl, &s), PAS_STATUS_OK);
        CHECK(s.data != NULL);
        CHECK_STATUS(pas_claims_numbers_get(cl, &n), PAS_STATUS_OK);
        CHECK(n.has_sv && n.sv >= 1 && n.alg == PAS_ALG_EDDSA && n.expires_at > n.issued_at);
        CHECK(n.scope_count == 2 && n.audience_count == 1 && !n.has_not_before);
        CHECK_STATUS(pas_claims_scope_at(cl, 0, &s), PAS_STATUS_OK);
        CHECK(str_eq(s, "openid"));
        CHECK_STATUS(pas_claims_scope_at(cl, 9, &s), PAS_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(pas_claims_audience_at(cl, 0, &s), PAS_STATUS_OK);
        CHECK(str_eq(s, "pas-demo"));
        CHECK_STATUS(pas_claims_audience_at(cl, 1, &s), PAS_STATUS_INVALID_ARGUMENT);
        CHECK_STATUS(pas_claims_has_scope(cl, S("profile"), &has), PAS_STATUS_OK);
        CHECK(has);
        CHECK_STATUS(pas_claims_has_scope(cl, S("admin"), &has), PAS_STATUS_OK);
        CHECK(!has);
        CHECK_STATUS(pas_claims_has_scope(cl, S(BAD_UTF8), &has), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_claims_has_scope(cl, S("x"), NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_subject(cl, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_claims_numbers_get(cl, NULL), PAS_STATUS_NULL_ARGUMENT);
        /* Expiry with a fixed clock far in the future. */
        pas_claims *late = NULL;
        CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), n.expires_at + 3600, &late, &err), PAS_STATUS_TOKEN_EXPIRED);
        CHECK(late == NULL && err != NULL && strcmp(pas_error_name(err), "token_expired") == 0);
        pas_error_free(err);
        err = NULL;
    }
    pas_claims_free(cl);
    cl = NULL;
    CHECK_STATUS(pas_verifier_verify(v, Z(token), &cl, NULL), PAS_STATUS_OK); /* static keys: no I/O */
    pas_claims_free(cl);
    cl = NULL;
    CHECK_STATUS(pas_verifier_verify_cached(v, S("not.a.jwt"), 0, &cl, NULL), PAS_STATUS_TOKEN_MALFORMED);
    CHECK_STATUS(pas_verifier_verify_cached(v, S(BAD_UTF8), 0, &cl, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_verifier_verify_cached(NULL, Z(token), 0, &cl, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_verify_cached(v, NULL, 5, 0, &cl, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_verify(NULL, Z(token), &cl, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_verifier_verify(v, S(BAD_UTF8), &cl, NULL), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_verifier_verify(v, Z(token), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    {
        /* Tampered signature. */
        size_t n = strlen(token);
        char *bad = (char *)malloc(n + 1);
        memcpy(bad, token, n + 1);
        bad[n - 5] = bad[n - 5] == 'A' ? 'B' : 'A';
        CHECK_STATUS(pas_verifier_verify_cached(v, bad, n, 0, &cl, NULL), PAS_STATUS_SIGNATURE_INVALID);
        free(bad);
    }
    pas_verifier_free(v);

    /* Wrong key: the same kid with another public key. */
    {
        char *wrong = (char *)malloc(strlen(jwks) + 1);
        char *x;
        strcpy(wrong, jwks);
        x = strstr(wrong, "\"x\":\"");
        if (x) x[6] = x[6] == 'A' ? 'B' : 'A';
        v = build_json_verifier(base, "pas-demo", wrong, &st);
        CHECK_STATUS(st, PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), PAS_STATUS_SIGNATURE_INVALID);
        pas_verifier_free(v);
        free(wrong);
    }
    /* An ES256-only allow-list refuses the EdDSA token; ES256 + EdDSA accepts it. */
    {
        const uint32_t es[] = {PAS_ALG_ES256}, both[] = {PAS_ALG_ES256, PAS_ALG_EDDSA};
        const uint32_t *lists[] = {es, both};
        const pas_status want[] = {PAS_STATUS_ALG_NOT_ALLOWED, PAS_STATUS_OK};
        int i;
        for (i = 0; i < 2; i++) {
            CHECK_STATUS(pas_verifier_builder_new(Z(base), S("pas-demo"), &b), PAS_STATUS_OK);
            CHECK_STATUS(pas_verifier_builder_set_algs(b, lists[i], (size_t)(i + 1)), PAS_STATUS_OK);
            CHECK_STATUS(pas_verifier_builder_jwks_json(b, Z(jwks)), PAS_STATUS_OK);
            CHECK_STATUS(pas_verifier_builder_build(b, &v, NULL), PAS_STATUS_OK);
            CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), want[i]);
            pas_claims_free(cl);
            cl = NULL;
            pas_verifier_free(v);
        }
    }
    /* Wrong audience / issuer. */
    v = build_json_verifier(base, "other-client", jwks, &st);
    CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), PAS_STATUS_AUDIENCE_INVALID);
    pas_verifier_free(v);
    v = build_json_verifier("https://evil.example", "pas-demo", jwks, &st);
    CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), PAS_STATUS_ISSUER_INVALID);
    pas_verifier_free(v);

    /* A JWKS-URL verifier fetches from pas-devserver (blocking). */
    {
        char url[512];
        snprintf(url, sizeof url, "%s/.well-known/jwks.json", base);
        CHECK_STATUS(pas_verifier_builder_new(Z(base), S("pas-demo"), &b), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_jwks_url(b, Z(url), 5000, 0), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_builder_build(b, &v, NULL), PAS_STATUS_OK);
        CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), PAS_STATUS_JWKS_UNAVAILABLE);
        CHECK_STATUS(pas_verifier_verify(v, Z(token), &cl, &err), PAS_STATUS_OK);
        pas_error_free(err);
        pas_claims_free(cl);
        cl = NULL;
        CHECK_STATUS(pas_verifier_verify_cached(v, Z(token), 0, &cl, NULL), PAS_STATUS_OK);
        pas_claims_free(cl);
        pas_verifier_free(v);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Session scenarios through the callback driver: a C store that logs its effects.             */

#define SID "session-1"
#define PPNUM "01HZX5K3M8Q4N7R2T6V9W0Y1Z2"
#define KEY "sv:" PPNUM

typedef struct {
    pthread_mutex_t mu;
    int exists, has_sv;
    int64_t sv;
    char *ct; /* malloc'd or NULL */
    int fail_find_call, finds, fail_ciphertext, fail_persist, vanish_after_persist, no_reply;
    int cache_has, cache_fail_load;
    int64_t cache_sv;
    char log[1024];
} world;

static void wlog(world *w, const char *fmt, long long a, const char *b) {
    char entry[128];
    snprintf(entry, sizeof entry, fmt, a, b);
    if (w->log[0]) strncat(w->log, ";", sizeof w->log - strlen(w->log) - 1);
    strncat(w->log, entry, sizeof w->log - strlen(w->log) - 1);
}

static pas_store_result cb_find(void *ud, const char *sid, size_t sid_len, pas_store_reply *reply) {
    world *w = (world *)ud;
    pas_store_result r;
    pthread_mutex_lock(&w->mu);
    wlog(w, "find_session", 0, "");
    w->finds++;
    if (w->fail_find_call == w->finds) {
        r = PAS_STORE_FAILED;
    } else if (!w->exists || sid_len != strlen(SID) || memcmp(sid, SID, sid_len) != 0) {
        r = PAS_STORE_NONE;
    } else {
        r = PAS_STORE_OK;
        if (!w->no_reply && pas_store_reply_set_session(reply, S(PPNUM), w->has_sv != 0, w->sv) != PAS_STATUS_OK)
            r = PAS_STORE_FAILED;
    }
    pthread_mutex_unlock(&w->mu);
    return r;
}

static pas_store_result cb_fetch(void *ud, const char *sid, size_t sid_len, pas_store_reply *reply) {
    world *w = (world *)ud;
    pas_store_result r = PAS_STORE_OK;
    (void)sid;
    (void)sid_len;
    pthread_mutex_lock(&w->mu);
    wlog(w, "fetch_ciphertext", 0, "");
    if (w->fail_ciphertext) r = PAS_STORE_FAILED;
    else if (!w->ct) r = PAS_STORE_NONE;
    else pas_store_reply_set_ciphertext(reply, Z(w->ct));
    pthread_mutex_unlock(&w->mu);
    return r;
}

static pas_store_result cb_persist(void *ud, const char *sid, size_t sid_len, int64_t sv, const char *rot, size_t rot_len) {
    world *w = (world *)ud;
    pas_store_result r = PAS_STORE_OK;
    (void)sid;
    (void)sid_len;
    pthread_mutex_lock(&w->mu);
    wlog(w, rot ? "persist sv=%lld%s" : "persist sv=%lld%s", (long long)sv, rot ? " rotated" : "");
    if (w->fail_persist) {
        r = PAS_STORE_FAILED;
    } else {
        w->sv = sv;
        w->has_sv = 1;
        if (rot) {
            free(w->ct);
            w->ct = (char *)malloc(rot_len + 1);
            memcpy(w->ct, rot, rot_len);
            w->ct[rot_len] = 0;
        }
        if (w->vanish_after_persist) w->exists = 0;
    }
    pthread_mutex_unlock(&w->mu);
    return r;
}

static pas_store_result cb_cache_load(void *ud, const char *key, size_t key_len, int64_t *out_sv) {
    world *w = (world *)ud;
    pas_store_result r;
    pthread_mutex_lock(&w->mu);
    wlog(w, "load_cache", 0, "");
    if (key_len != strlen(KEY) || memcmp(key, KEY, key_len) != 0 || w->cache_fail_load) r = PAS_STORE_FAILED;
    else if (!w->cache_has) r = PAS_STORE_NONE;
    else {
        *out_sv = w->cache_sv;
        r = PAS_STORE_OK;
    }
    pthread_mutex_unlock(&w->mu);
    return r;
}

static pas_store_result cb_cache_store(void *ud, const char *key, size_t key_len, int64_t sv, uint32_t ttl) {
    world *w = (world *)ud;
    (void)key;
    (void)key_len;
    pthread_mutex_lock(&w->mu);
    {
        char e[64];
        snprintf(e, sizeof e, "record_cache sv=%lld ttl=%u", (long long)sv, (unsigned)ttl);
        wlog(w, "%.0lld%s", 0, e);
    }
    w->cache_has = 1;
    w->cache_sv = sv;
    pthread_mutex_unlock(&w->mu);
    return PAS_STORE_OK;
}

static const pas_session_store STORE = {cb_find, cb_fetch, cb_persist, cb_cache_load, cb_cache_store};
static const pas_session_store STORE_BUILTIN_CACHE = {cb_find, cb_fetch, cb_persist, NULL, NULL};

typedef struct {
    world w;
    pas_testing_pas *pas;
    pas_cipher *cipher;
    pas_session_validator *v;
} scenario;

static void scenario_init(scenario *sc, int has_sv, int64_t sv, int with_cipher) {
    pas_bytes ct = {NULL, 0};
    memset(sc, 0, sizeof *sc);
    pthread_mutex_init(&sc->w.mu, NULL);
    sc->w.exists = 1;
    sc->w.has_sv = has_sv;
    sc->w.sv = sv;
    sc->cipher = make_cipher(NULL);
    pas_testing_pas_new(&sc->pas);
    pas_cipher_encrypt(sc->cipher, S("rt-original"), &ct, NULL);
    sc->w.ct = (char *)malloc(ct.len + 1);
    memcpy(sc->w.ct, ct.data, ct.len + 1);
    pas_bytes_free(&ct);
    pas_testing_validator_new(sc->pas, with_cipher ? sc->cipher : NULL, &sc->v);
}

static void scenario_free(scenario *sc) {
    pas_session_validator_free(sc->v);
    pas_testing_pas_free(sc->pas);
    pas_cipher_free(sc->cipher);
    free(sc->w.ct);
    pthread_mutex_destroy(&sc->w.mu);
}

static pas_status validate(scenario *sc, pas_session_result *r) {
    sc->w.log[0] = 0;
    return pas_session_validate(sc->v, &STORE, &sc->w, S(SID), r, NULL);
}

static size_t pas_calls(scenario *sc) {
    size_t calls = 0, unexpected = 0;
    pas_testing_pas_calls(sc->pas, &calls, &unexpected);
    return calls;
}

static void refresh_ok_sv(scenario *sc, const char *sv_json, const char *rt) {
    char claims[256];
    snprintf(claims, sizeof claims, "{\"sub\":\"%s\",\"sv\":%s}", PPNUM, sv_json);
    pas_testing_pas_refresh_ok(sc->pas, Z(claims), false, rt, rt ? strlen(rt) : 0);
}

#define PREFIX "find_session;load_cache;fetch_ciphertext"
#define EXPECT_EXPIRED(r, c) CHECK((r).decision == PAS_DECISION_EXPIRED && (r).cause == (c))

static void test_session_scenarios(void) {
    scenario sc;
    pas_session_result r;
    SECTION("session");

    /* s01 */
    scenario_init(&sc, 1, 3, 1);
    pas_testing_pas_refresh_fails(sc.pas, 400, 0);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PAS_REJECTED);
    CHECK(strcmp(sc.w.log, PREFIX) == 0 && pas_calls(&sc) == 1 && !sc.w.cache_has);
    scenario_free(&sc);
    /* s02 */
    scenario_init(&sc, 1, 3, 1);
    pas_testing_pas_refresh_fails(sc.pas, 503, 5);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PAS_UNAVAILABLE);
    scenario_free(&sc);
    /* s03 */
    scenario_init(&sc, 1, 3, 1);
    pas_testing_pas_refresh_fails(sc.pas, 0, 0);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PAS_UNAVAILABLE);
    pas_testing_pas_refresh_ok(sc.pas, S("{}"), false, NULL, 0);
    scenario_free(&sc);
    /* s03b: timeout and bad response are transport-class too (pas_testing_pas_refresh_transport) */
    scenario_init(&sc, 1, 3, 1);
    CHECK_STATUS(pas_testing_pas_refresh_transport(sc.pas, PAS_STATUS_PAS_TIMEOUT), PAS_STATUS_OK);
    CHECK_STATUS(pas_testing_pas_refresh_transport(sc.pas, PAS_STATUS_PAS_BAD_RESPONSE), PAS_STATUS_OK);
    CHECK_STATUS(pas_testing_pas_refresh_transport(sc.pas, PAS_STATUS_PAS_REJECTED), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_refresh_transport(NULL, PAS_STATUS_PAS_TIMEOUT), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PAS_UNAVAILABLE);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PAS_UNAVAILABLE);
    CHECK(pas_calls(&sc) == 2);
    scenario_free(&sc);
    /* s03c: an answer for one refresh token only (pas_testing_pas_refresh_ok_expecting) */
    scenario_init(&sc, 1, 3, 1);
    {
        const char at[] = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4Iiwic3YiOjV9.c2ln"; /* {"sub":"x","sv":5} */
        CHECK_STATUS(pas_testing_pas_refresh_ok_expecting(NULL, S("rt"), S(at), NULL, 0), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_testing_pas_refresh_ok_expecting(sc.pas, NULL, 1, S(at), NULL, 0), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_testing_pas_refresh_ok_expecting(sc.pas, S("rt-other"), S(at), NULL, 0), PAS_STATUS_OK);
        CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
        EXPECT_EXPIRED(r, PAS_CAUSE_PAS_REJECTED); /* PAS got rt-original: 400 invalid_grant */
        CHECK_STATUS(pas_testing_pas_refresh_ok_expecting(sc.pas, S("rt-original"), S(at), NULL, 0), PAS_STATUS_OK);
        CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
        CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 5 && r.refreshed);
    }
    scenario_free(&sc);
    /* s04: undecryptable ciphertext, PAS not called */
    scenario_init(&sc, 1, 3, 1);
    {
        pas_cipher *other = make_cipher(NULL);
        pas_bytes ct = {NULL, 0};
        pas_cipher_encrypt(other, S("rt-original"), &ct, NULL);
        free(sc.w.ct);
        sc.w.ct = (char *)malloc(ct.len + 1);
        memcpy(sc.w.ct, ct.data, ct.len + 1);
        pas_bytes_free(&ct);
        pas_cipher_free(other);
    }
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_DECRYPT_FAILED);
    free(sc.w.ct);
    sc.w.ct = (char *)malloc(16);
    strcpy(sc.w.ct, "garbage!");
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_DECRYPT_FAILED);
    CHECK(pas_calls(&sc) == 0);
    scenario_free(&sc);
    /* s05 */
    scenario_init(&sc, 1, 3, 1);
    pas_testing_pas_refresh_ok(sc.pas, S("{\"sub\":\"" PPNUM "\"}"), false, NULL, 0);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SV_MISSING);
    CHECK(strcmp(sc.w.log, PREFIX) == 0);
    scenario_free(&sc);
    /* s06 */
    scenario_init(&sc, 1, 3, 1);
    sc.w.fail_persist = 1;
    refresh_ok_sv(&sc, "4", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_PERSIST_FAILED);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=4") == 0 && !sc.w.cache_has);
    scenario_free(&sc);
    /* s07 */
    scenario_init(&sc, 1, 3, 1);
    sc.w.fail_ciphertext = 1;
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_CIPHERTEXT_LOOKUP_FAILED);
    CHECK(strcmp(sc.w.log, PREFIX) == 0 && pas_calls(&sc) == 0);
    scenario_free(&sc);
    /* s08 */
    scenario_init(&sc, 1, 3, 1);
    sc.w.vanish_after_persist = 1;
    refresh_ok_sv(&sc, "4", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SESSION_GONE);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=4;record_cache sv=4 ttl=60;find_session") == 0);
    scenario_free(&sc);
    /* s09 happy path, exact effect order */
    scenario_init(&sc, 1, 3, 1);
    refresh_ok_sv(&sc, "5", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 5 && r.refreshed && r.cause == PAS_CAUSE_NONE);
    CHECK(sc.w.sv == 5 && sc.w.cache_has && sc.w.cache_sv == 5);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=5;record_cache sv=5 ttl=60;find_session") == 0);
    scenario_free(&sc);
    /* s10 stale cache */
    scenario_init(&sc, 1, 3, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 4;
    refresh_ok_sv(&sc, "4", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 4 && r.refreshed);
    scenario_free(&sc);
    /* s11 */
    scenario_init(&sc, 1, 3, 1);
    free(sc.w.ct);
    sc.w.ct = NULL;
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_CIPHERTEXT_MISSING);
    CHECK(strcmp(sc.w.log, PREFIX) == 0);
    scenario_free(&sc);
    /* s12 no cipher */
    scenario_init(&sc, 1, 3, 0);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_NO_CIPHER);
    CHECK(strcmp(sc.w.log, "find_session;load_cache") == 0 && pas_calls(&sc) == 0);
    scenario_free(&sc);
    /* s13 fresh cache: no further I/O */
    scenario_init(&sc, 1, 3, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 3;
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 3 && !r.refreshed);
    CHECK(strcmp(sc.w.log, "find_session;load_cache") == 0);
    scenario_free(&sc);
    /* s14 session newer than cache */
    scenario_init(&sc, 1, 7, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 3;
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 7 && !r.refreshed);
    scenario_free(&sc);
    /* s15 cache error = unknown: refresh */
    scenario_init(&sc, 1, 3, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 3;
    sc.w.cache_fail_load = 1;
    refresh_ok_sv(&sc, "3", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 3 && r.refreshed);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=3;record_cache sv=3 ttl=60;find_session") == 0);
    scenario_free(&sc);
    /* s16 session without sv is always refreshed */
    scenario_init(&sc, 0, 0, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 0;
    refresh_ok_sv(&sc, "2", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 2 && pas_calls(&sc) == 1);
    scenario_free(&sc);
    /* s17 sv missing / null / not a JWT */
    {
        const char *shapes[] = {"{\"sub\":\"" PPNUM "\"}", "{\"sub\":\"" PPNUM "\",\"sv\":null}"};
        int i;
        for (i = 0; i < 2; i++) {
            scenario_init(&sc, 1, 1, 1);
            pas_testing_pas_refresh_ok(sc.pas, Z(shapes[i]), false, NULL, 0);
            CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
            EXPECT_EXPIRED(r, PAS_CAUSE_SV_MISSING);
            scenario_free(&sc);
        }
        scenario_init(&sc, 1, 1, 1);
        pas_testing_pas_refresh_ok(sc.pas, S("opaque-not-a-jwt"), true, NULL, 0);
        CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
        EXPECT_EXPIRED(r, PAS_CAUSE_SV_MISSING);
        scenario_free(&sc);
    }
    /* s17a sv invalid */
    {
        const char *bad[] = {"\"2\"", "2.0", "-1", "true", "[2]"};
        int i;
        for (i = 0; i < 5; i++) {
            scenario_init(&sc, 1, 1, 1);
            refresh_ok_sv(&sc, bad[i], NULL);
            CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
            EXPECT_EXPIRED(r, PAS_CAUSE_SV_INVALID);
            CHECK(sc.w.sv == 1);
            scenario_free(&sc);
        }
    }
    /* s17b regression against the session, then against the cache */
    scenario_init(&sc, 1, 5, 1);
    refresh_ok_sv(&sc, "4", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SV_REGRESSED);
    scenario_free(&sc);
    scenario_init(&sc, 1, 2, 1);
    sc.w.cache_has = 1;
    sc.w.cache_sv = 6;
    refresh_ok_sv(&sc, "5", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SV_REGRESSED);
    CHECK(sc.w.sv == 2);
    scenario_free(&sc);
    /* s18 rotation persisted with the new sv */
    scenario_init(&sc, 1, 3, 1);
    refresh_ok_sv(&sc, "4", "rt-rotated");
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 4);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=4 rotated;record_cache sv=4 ttl=60;find_session") == 0);
    {
        pas_bytes pt = {NULL, 0};
        CHECK_STATUS(pas_cipher_decrypt(sc.cipher, Z(sc.w.ct), &pt, NULL), PAS_STATUS_OK);
        CHECK(pt.len == 10 && memcmp(pt.data, "rt-rotated", 10) == 0);
        pas_bytes_free(&pt);
    }
    scenario_free(&sc);
    /* s19 same refresh token: sv only */
    scenario_init(&sc, 1, 3, 1);
    refresh_ok_sv(&sc, "4", "rt-original");
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 4);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=4;record_cache sv=4 ttl=60;find_session") == 0);
    scenario_free(&sc);
    /* s21 store failure on the first lookup / on the re-fetch: a status, decision EXPIRED */
    scenario_init(&sc, 1, 3, 1);
    sc.w.fail_find_call = 1;
    {
        pas_error *err = NULL;
        sc.w.log[0] = 0;
        r.decision = PAS_DECISION_AUTHENTICATED;
        CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, S(SID), &r, &err), PAS_STATUS_STORE_FAILED);
        CHECK(r.decision == PAS_DECISION_EXPIRED && err != NULL && strcmp(pas_error_name(err), "store_failed") == 0);
        CHECK(strcmp(sc.w.log, "find_session") == 0);
        pas_error_free(err);
    }
    scenario_free(&sc);
    scenario_init(&sc, 1, 3, 1);
    sc.w.fail_find_call = 2;
    refresh_ok_sv(&sc, "4", NULL);
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_STORE_FAILED);
    CHECK(r.decision == PAS_DECISION_EXPIRED);
    CHECK(strcmp(sc.w.log, PREFIX ";persist sv=4;record_cache sv=4 ttl=60;find_session") == 0);
    scenario_free(&sc);
    /* s23 no cookie, unknown session */
    scenario_init(&sc, 1, 3, 1);
    sc.w.log[0] = 0;
    CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, "", 0, &r, NULL), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_NO_COOKIE && sc.w.log[0] == 0);
    CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, S("no-such-session"), &r, NULL), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SESSION_UNKNOWN);
    CHECK(strcmp(sc.w.log, "find_session") == 0);
    /* A callback that says OK without setting the session counts as a store failure. */
    sc.w.no_reply = 1;
    CHECK_STATUS(validate(&sc, &r), PAS_STATUS_STORE_FAILED);
    sc.w.no_reply = 0;
    scenario_free(&sc);
    /* Built-in cache: the second validation is served from it. */
    scenario_init(&sc, 1, 3, 1);
    refresh_ok_sv(&sc, "3", NULL);
    sc.w.log[0] = 0;
    CHECK_STATUS(pas_session_validate(sc.v, &STORE_BUILTIN_CACHE, &sc.w, S(SID), &r, NULL), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.refreshed);
    sc.w.log[0] = 0;
    CHECK_STATUS(pas_session_validate(sc.v, &STORE_BUILTIN_CACHE, &sc.w, S(SID), &r, NULL), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 3 && !r.refreshed);
    CHECK(strcmp(sc.w.log, "find_session") == 0 && pas_calls(&sc) == 1);
    {
        bool found = false;
        int64_t sv = -1;
        CHECK_STATUS(pas_session_validator_cache_get(sc.v, S(KEY), &found, &sv), PAS_STATUS_OK);
        CHECK(found && sv == 3);
        CHECK_STATUS(pas_session_validator_cache_clear(sc.v), PAS_STATUS_OK);
        CHECK_STATUS(pas_session_validator_cache_get(sc.v, S(KEY), &found, &sv), PAS_STATUS_OK);
        CHECK(!found);
        CHECK_STATUS(pas_session_validator_cache_set(sc.v, S(KEY), 9, 60), PAS_STATUS_OK);
        CHECK_STATUS(pas_session_validator_cache_get(sc.v, S(KEY), &found, &sv), PAS_STATUS_OK);
        CHECK(found && sv == 9);
        CHECK_STATUS(pas_session_validator_cache_get(NULL, S(KEY), &found, &sv), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validator_cache_get(sc.v, S(BAD_UTF8), &found, &sv), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_session_validator_cache_get(sc.v, S(KEY), NULL, &sv), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validator_cache_set(NULL, S(KEY), 9, 60), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validator_cache_set(sc.v, S(BAD_UTF8), 9, 60), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_session_validator_cache_clear(NULL), PAS_STATUS_NULL_ARGUMENT);
    }
    /* Argument checks: the decision is EXPIRED on every failure path. */
    {
        pas_session_store partial = STORE;
        r.decision = PAS_DECISION_AUTHENTICATED;
        CHECK_STATUS(pas_session_validate(NULL, &STORE, &sc.w, S(SID), &r, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK(r.decision == PAS_DECISION_EXPIRED);
        r.decision = PAS_DECISION_AUTHENTICATED;
        CHECK_STATUS(pas_session_validate(sc.v, NULL, &sc.w, S(SID), &r, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK(r.decision == PAS_DECISION_EXPIRED);
        r.decision = PAS_DECISION_AUTHENTICATED;
        CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, S(BAD_UTF8), &r, NULL), PAS_STATUS_INVALID_UTF8);
        CHECK(r.decision == PAS_DECISION_EXPIRED);
        CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, NULL, 3, &r, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validate(sc.v, &STORE, &sc.w, S(SID), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
        partial.persist = NULL;
        CHECK_STATUS(pas_session_validate(sc.v, &partial, &sc.w, S(SID), &r, NULL), PAS_STATUS_NULL_ARGUMENT);
        partial = STORE;
        partial.cache_store = NULL;
        CHECK_STATUS(pas_session_validate(sc.v, &partial, &sc.w, S(SID), &r, NULL), PAS_STATUS_INVALID_ARGUMENT);
        CHECK(r.decision == PAS_DECISION_EXPIRED);
        CHECK_STATUS(pas_store_reply_set_session(NULL, S(PPNUM), true, 1), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_store_reply_set_ciphertext(NULL, S("ct")), PAS_STATUS_NULL_ARGUMENT);
    }
    scenario_free(&sc);
}

/* s22: concurrent validations of one stale session make one PAS call. */
typedef struct {
    scenario *sc;
    pas_session_result r;
    pas_status st;
} s22_arg;

static void *s22_thread(void *p) {
    s22_arg *a = (s22_arg *)p;
    a->st = pas_session_validate(a->sc->v, &STORE, &a->sc->w, S(SID), &a->r, NULL);
    return NULL;
}

static void test_session_concurrency(void) {
    scenario sc;
    pthread_t th[8];
    s22_arg args[8];
    int i, ok = 1;
    size_t calls = 0, unexpected = 0;
    SECTION("session-s22");
    scenario_init(&sc, 1, 3, 1);
    pas_testing_pas_set_delay_ms(sc.pas, 200);
    refresh_ok_sv(&sc, "4", "rt-rotated");
    for (i = 0; i < 8; i++) {
        args[i].sc = &sc;
        pthread_create(&th[i], NULL, s22_thread, &args[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok &= args[i].st == PAS_STATUS_OK && args[i].r.decision == PAS_DECISION_AUTHENTICATED && args[i].r.sv == 4;
    }
    CHECK(ok);
    CHECK_STATUS(pas_testing_pas_calls(sc.pas, &calls, &unexpected), PAS_STATUS_OK);
    CHECK(calls == 1 && unexpected == 0);
    {
        pas_bytes pt = {NULL, 0};
        CHECK_STATUS(pas_cipher_decrypt(sc.cipher, Z(sc.w.ct), &pt, NULL), PAS_STATUS_OK);
        CHECK(pt.len == 10 && memcmp(pt.data, "rt-rotated", 10) == 0);
        pas_bytes_free(&pt);
    }
    CHECK_STATUS(pas_testing_pas_calls(NULL, &calls, &unexpected), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_calls(sc.pas, NULL, &unexpected), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_set_delay_ms(NULL, 1), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_refresh_ok(NULL, S("{}"), false, NULL, 0), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_refresh_ok(sc.pas, S("not json"), false, NULL, 0), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_refresh_ok(sc.pas, S(BAD_UTF8), false, NULL, 0), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_testing_pas_refresh_fails(NULL, 400, 0), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_pas_new(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_validator_new(NULL, NULL, &sc.v), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_testing_validator_new(sc.pas, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    pas_testing_pas_free(NULL);
    pas_session_validator_free(NULL);
    scenario_free(&sc);
}

/* ------------------------------------------------------------------------------------------ */
/* The step machine, driven by hand (what the Go driver does).                                */

static void test_step_machine(void) {
    scenario sc;
    pas_session_check *chk = NULL;
    pas_step st;
    pas_session_result r;
    pas_error *err = NULL;
    SECTION("steps");
    scenario_init(&sc, 1, 3, 1);
    refresh_ok_sv(&sc, "5", "rt-rotated");

    CHECK_STATUS(pas_session_check_new(sc.v, S(""), &chk), PAS_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(pas_session_check_new(NULL, S(SID), &chk), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_new(sc.v, S(BAD_UTF8), &chk), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);

    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_FIND_SESSION && str_eq(st.session_id, SID));
    r.decision = PAS_DECISION_AUTHENTICATED;
    CHECK_STATUS(pas_session_check_result(chk, &r, NULL), PAS_STATUS_INVALID_STATE); /* not finished */
    CHECK(r.decision == PAS_DECISION_EXPIRED);
    CHECK_STATUS(pas_session_check_feed_session(chk, S(PPNUM), true, 3), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_LOAD_CACHE && str_eq(st.cache_key, KEY));
    CHECK_STATUS(pas_session_check_feed_cache(chk, false, 0), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_FETCH_CIPHERTEXT);
    CHECK_STATUS(pas_session_check_feed_ciphertext(chk, Z(sc.w.ct)), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_REFRESH_AT_PAS && str_eq(st.session_id, SID));
    CHECK_STATUS(pas_session_check_refresh(NULL, chk, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_refresh(sc.v, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_refresh(sc.v, chk, &err), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_PERSIST && st.sv == 5 && st.rotated_ciphertext.data != NULL);
    {
        pas_bytes pt = {NULL, 0};
        CHECK_STATUS(pas_cipher_decrypt(sc.cipher, st.rotated_ciphertext.data, st.rotated_ciphertext.len, &pt, NULL),
                     PAS_STATUS_OK);
        CHECK(pt.len == 10 && memcmp(pt.data, "rt-rotated", 10) == 0);
        pas_bytes_free(&pt);
    }
    CHECK_STATUS(pas_session_check_feed_persisted(chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_RECORD_CACHE && st.sv == 5 && st.ttl_s == 60 && str_eq(st.cache_key, KEY));
    CHECK_STATUS(pas_session_check_feed_cache_recorded(chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_REFETCH);
    CHECK_STATUS(pas_session_check_feed_session(chk, S(PPNUM), true, 5), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_DONE);
    CHECK_STATUS(pas_session_check_result(chk, &r, NULL), PAS_STATUS_OK);
    CHECK(r.decision == PAS_DECISION_AUTHENTICATED && r.sv == 5 && r.refreshed);
    /* Feeding a finished check. */
    CHECK_STATUS(pas_session_check_feed_persisted(chk), PAS_STATUS_INVALID_STATE);
    pas_session_check_free(chk);
    chk = NULL;

    /* Out of order: the check ends failed, never Authenticated. */
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_persisted(chk), PAS_STATUS_INVALID_STATE);
    r.decision = PAS_DECISION_AUTHENTICATED;
    CHECK_STATUS(pas_session_check_result(chk, &r, &err), PAS_STATUS_INVALID_STATE);
    CHECK(r.decision == PAS_DECISION_EXPIRED && err != NULL);
    pas_error_free(err);
    err = NULL;
    pas_session_check_free(chk);
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_refresh(sc.v, chk, NULL), PAS_STATUS_INVALID_STATE);
    CHECK_STATUS(pas_session_check_step(chk, &st), PAS_STATUS_OK);
    CHECK(st.kind == PAS_STEP_DONE);
    pas_session_check_free(chk);

    /* Store failure on the first lookup: STORE_FAILED from the result. */
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_store_failed(chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_result(chk, &r, NULL), PAS_STATUS_STORE_FAILED);
    CHECK(r.decision == PAS_DECISION_EXPIRED);
    pas_session_check_free(chk);
    /* Unknown session, no ciphertext. */
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_no_session(chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_result(chk, &r, NULL), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_SESSION_UNKNOWN);
    pas_session_check_free(chk);
    CHECK_STATUS(pas_session_check_new(sc.v, S(SID), &chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_session(chk, S(PPNUM), false, 0), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_cache(chk, true, 3), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_feed_no_ciphertext(chk), PAS_STATUS_OK);
    CHECK_STATUS(pas_session_check_result(chk, &r, NULL), PAS_STATUS_OK);
    EXPECT_EXPIRED(r, PAS_CAUSE_CIPHERTEXT_MISSING);
    /* NULL and UTF-8 checks of every feed. */
    CHECK_STATUS(pas_session_check_feed_session(chk, S(BAD_UTF8), true, 1), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_session_check_feed_ciphertext(chk, S(BAD_UTF8)), PAS_STATUS_INVALID_UTF8);
    CHECK_STATUS(pas_session_check_feed_session(NULL, S(PPNUM), true, 1), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_no_session(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_store_failed(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_cache(NULL, true, 1), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_ciphertext(NULL, S("x")), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_no_ciphertext(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_persisted(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_feed_cache_recorded(NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_step(NULL, &st), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_step(chk, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_result(NULL, &r, NULL), PAS_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(pas_session_check_result(chk, NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    pas_session_check_free(chk);
    pas_session_check_free(NULL);

    /* Liveness through the validator (scripted PAS). */
    {
        pas_liveness_result lr;
        refresh_ok_sv(&sc, "1", "rt-next");
        CHECK_STATUS(pas_session_validator_liveness_refresh(sc.v, Z(sc.w.ct), &lr, NULL), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_FRESH && lr.rotated_ciphertext.data != NULL);
        pas_bytes_free(&lr.rotated_ciphertext);
        pas_testing_pas_refresh_fails(sc.pas, 503, 7);
        CHECK_STATUS(pas_session_validator_liveness_refresh(sc.v, Z(sc.w.ct), &lr, NULL), PAS_STATUS_OK);
        CHECK(lr.outcome == PAS_LIVENESS_TRANSIENT && lr.retry_after_ms == 7000);
        CHECK_STATUS(pas_session_validator_liveness_refresh(NULL, Z(sc.w.ct), &lr, NULL), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validator_liveness_refresh(sc.v, S(BAD_UTF8), &lr, NULL), PAS_STATUS_INVALID_UTF8);
        CHECK_STATUS(pas_session_validator_liveness_refresh(sc.v, Z(sc.w.ct), NULL, NULL), PAS_STATUS_NULL_ARGUMENT);
    }
    scenario_free(&sc);

    /* A validator over a real client (construction only; network paths are in the Go suite). */
    {
        pas_client *cl = NULL;
        pas_session_validator *v = NULL;
        pas_cipher *c = make_cipher(NULL);
        CHECK_STATUS(pas_client_new(S("pas-demo"), S("http://127.0.0.1:8765/cb"), S("http://127.0.0.1:1"), 1000, &cl, NULL),
                     PAS_STATUS_OK);
        CHECK_STATUS(pas_session_validator_new(cl, c, &v), PAS_STATUS_OK);
        CHECK_STATUS(pas_session_validator_new(NULL, c, &v), PAS_STATUS_NULL_ARGUMENT);
        CHECK_STATUS(pas_session_validator_new(cl, c, NULL), PAS_STATUS_NULL_ARGUMENT);
        pas_client_free(cl); /* the validator keeps what it needs */
        pas_cipher_free(c);
        {
            pas_liveness_result lr;
            pas_bytes ct = {NULL, 0};
            pas_cipher *c2 = make_cipher(NULL);
            pas_cipher_free(c2);
            CHECK_STATUS(pas_session_validator_liveness_refresh(v, S("garbage"), &lr, NULL), PAS_STATUS_OK);
            CHECK(lr.outcome == PAS_LIVENESS_REVOKED);
            (void)ct;
        }
        pas_session_validator_free(v);
    }
}

int main(void) {
    test_names_and_versions();
    test_errors_and_panic();
    test_pkce();
    test_cipher();
    test_client_offline();
    test_client_devserver();
    test_verifier();
    test_session_scenarios();
    test_session_concurrency();
    test_step_machine();
    if (g_skipped) fprintf(stderr, "(%d network sections skipped: no PAS_DEVSERVER_URL)\n", g_skipped);
    return summary();
}
