/* The demo story of `make demo` in C (the same story as examples/rust-demo, Go, Python, Node):
 * login with PKCE without a browser, refresh token encrypted into this program's own store,
 * session validation (PAS refresh, then the sv cache), break-glass, revocation, PAS answering 503
 * on the fail-closed sv path and on the fail-open liveness path. One JSON line per step on
 * stdout (the format is in examples/rust-demo/src/outcome.rs); exits 1 on any plumbing error.
 *
 *   cc -std=c11 -Iinclude examples/c/demo.c -Ltarget/debug -lpas -Wl,-rpath,target/debug -o demo
 *   ./demo http://127.0.0.1:PORT [http://127.0.0.1:PORT/__control]     # a running pas-devserver
 *
 * pas-devserver listens on 127.0.0.1 only, so the few plain HTTP calls this program makes itself
 * (the login shortcut and the control API) go through the tiny HTTP/1.1 client below; everything
 * that decides something goes through libpas.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pas.h"

#define CLIENT_ID "pas-demo"
#define REDIRECT_URI "http://127.0.0.1:8765/callback"

static void die(const char *what, pas_error *err) {
    if (err) fprintf(stderr, "demo (C): %s: %s: %s\n", what, pas_error_name(err), pas_error_message(err));
    else fprintf(stderr, "demo (C): %s\n", what);
    pas_error_free(err);
    exit(1);
}

static char *xstrndup(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) die("out of memory", NULL);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- a minimal HTTP/1.1 client for http://127.0.0.1:PORT (Connection: close) ------------- */

typedef struct {
    int status;
    char *head;     /* status line and headers, NUL-terminated */
    char *body;     /* NUL-terminated, de-chunked */
} http_response;

static void http_response_free(http_response *r) {
    free(r->head);
    free(r->body);
    r->head = r->body = NULL;
}

/* The value of header `name` (case-insensitive) in `head`, newly allocated, or NULL. */
static char *http_header(const http_response *r, const char *name) {
    size_t n = strlen(name);
    for (const char *line = strstr(r->head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *h = line + 2;
        if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
            h += n + 1;
            while (*h == ' ') h++;
            const char *end = strstr(h, "\r\n");
            return xstrndup(h, end ? (size_t)(end - h) : strlen(h));
        }
    }
    return NULL;
}

static void http(const char *method, const char *url, const char *body, http_response *out) {
    if (strncmp(url, "http://", 7) != 0) die("only http:// URLs (pas-devserver) are supported", NULL);
    const char *host = url + 7, *colon = strchr(host, ':'), *path = strchr(host, '/');
    if (!path) path = "/";
    if (!colon || colon > path) die("the URL needs an explicit port", NULL);
    char hostname[256], port[16];
    snprintf(hostname, sizeof hostname, "%.*s", (int)(colon - host), host);
    snprintf(port, sizeof port, "%.*s", (int)(path - colon - 1), colon + 1);

    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(hostname, port, &hints, &ai) != 0) die("cannot resolve the devserver host", NULL);
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) die("cannot connect to the devserver", NULL);
    freeaddrinfo(ai);

    size_t blen = body ? strlen(body) : 0;
    size_t cap = strlen(path) + strlen(hostname) + blen + 256;
    char *req = malloc(cap);
    if (!req) die("out of memory", NULL);
    int n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, hostname, port, blen, body ? body : "");
    for (int sent = 0; sent < n;) {
        ssize_t w = write(fd, req + sent, (size_t)(n - sent));
        if (w <= 0) die("write to the devserver failed", NULL);
        sent += (int)w;
    }
    free(req);

    size_t len = 0, size = 4096;
    char *buf = malloc(size);
    if (!buf) die("out of memory", NULL);
    for (;;) {
        if (len + 1024 > size && !(buf = realloc(buf, size *= 2))) die("out of memory", NULL);
        ssize_t r = read(fd, buf + len, size - len - 1);
        if (r < 0) die("read from the devserver failed", NULL);
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';

    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1) die("not an HTTP response", NULL);
    out->head = xstrndup(buf, (size_t)(sep - buf) + 2);
    const char *payload = sep + 4;
    char *te = http_header(out, "transfer-encoding");
    if (te && strstr(te, "chunked")) { /* de-chunk */
        out->body = xstrndup("", 0);
        size_t blen2 = 0;
        for (;;) {
            char *end = NULL;
            unsigned long chunk = strtoul(payload, &end, 16);
            const char *data = strstr(payload, "\r\n");
            if (!data || chunk == 0) break;
            data += 2;
            if (!(out->body = realloc(out->body, blen2 + chunk + 1))) die("out of memory", NULL);
            memcpy(out->body + blen2, data, chunk);
            blen2 += chunk;
            out->body[blen2] = '\0';
            payload = data + chunk + 2;
        }
    } else {
        out->body = xstrndup(payload, strlen(payload));
    }
    free(te);
    free(buf);
}

/* POST/GET on the control API; fails unless 2xx. */
static http_response control(const char *control_url, const char *method, const char *path, const char *body) {
    char url[1024];
    snprintf(url, sizeof url, "%s/%s", control_url, path);
    http_response r = {0};
    http(method, url, body, &r);
    if (r.status < 200 || r.status > 299) die("a control call failed", NULL);
    return r;
}

/* Calls the token endpoint has received so far (`token` of /__control/counters). */
static long token_calls(const char *control_url) {
    http_response r = control(control_url, "GET", "counters", NULL);
    const char *p = strstr(r.body, "\"token\":");
    if (!p) die("no token counter", NULL);
    long n = strtol(p + 8, NULL, 10);
    http_response_free(&r);
    return n;
}

/* The percent-decoded value of `name` in the query of `url`, newly allocated, or NULL. */
static char *query_param(const char *url, const char *name) {
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    while (q) {
        q++;
        if (strncmp(q, name, n) == 0 && q[n] == '=') {
            const char *v = q + n + 1;
            size_t vlen = strcspn(v, "&#");
            char *out = xstrndup(v, vlen), *w = out;
            for (size_t i = 0; i < vlen; i++) {
                if (v[i] == '%' && i + 2 < vlen + 1 && isxdigit((unsigned char)v[i + 1]) &&
                    isxdigit((unsigned char)v[i + 2])) {
                    char hex[3] = {v[i + 1], v[i + 2], 0};
                    *w++ = (char)strtol(hex, NULL, 16);
                    i += 2;
                } else {
                    *w++ = v[i] == '+' ? ' ' : v[i];
                }
            }
            *w = '\0';
            return out;
        }
        q = strchr(q, '&');
    }
    return NULL;
}

/* ---- this program's own session store (in memory) ----------------------------------------- */

typedef struct {
    char *id, *ppnum_id, *ciphertext;
    bool has_sv;
    int64_t sv;
} session;

typedef struct {
    session rows[4];
    size_t n;
} store;

static session *store_get(store *s, const char *id, size_t len) {
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->rows[i].id) == len && memcmp(s->rows[i].id, id, len) == 0) return &s->rows[i];
    return NULL;
}

static pas_store_result find_session(void *ud, const char *id, size_t len, pas_store_reply *reply) {
    session *row = store_get(ud, id, len);
    if (!row) return PAS_STORE_NONE;
    pas_store_reply_set_session(reply, row->ppnum_id, strlen(row->ppnum_id), row->has_sv, row->sv);
    return PAS_STORE_OK;
}

static pas_store_result fetch_ciphertext(void *ud, const char *id, size_t len, pas_store_reply *reply) {
    session *row = store_get(ud, id, len);
    if (!row || !row->ciphertext) return PAS_STORE_NONE;
    pas_store_reply_set_ciphertext(reply, row->ciphertext, strlen(row->ciphertext));
    return PAS_STORE_OK;
}

static pas_store_result persist(void *ud, const char *id, size_t len, int64_t sv, const char *rotated,
                                size_t rotated_len) {
    session *row = store_get(ud, id, len);
    if (!row) return PAS_STORE_FAILED;
    row->has_sv = true;
    row->sv = sv;
    if (rotated) {
        free(row->ciphertext);
        row->ciphertext = xstrndup(rotated, rotated_len);
    }
    return PAS_STORE_OK;
}

/* ---- the story ----------------------------------------------------------------------------- */

typedef struct {
    const char *base_url, *control_url;
    pas_client *client;
    pas_cipher *cipher;
    pas_verifier *verifier;
    pas_session_validator *validator;
    store store;
} demo;

/* One step's JSON line; NULL / negative values print as null. */
static void emit(const char *step, const char *decision, const char *cause, bool has_sv, int64_t sv, int refreshed,
                 int64_t retry_after_ms, long calls) {
    char c[64] = "null", s[32] = "null", r[32] = "null";
    if (cause) snprintf(c, sizeof c, "\"%s\"", cause);
    if (has_sv) snprintf(s, sizeof s, "%lld", (long long)sv);
    if (retry_after_ms >= 0) snprintf(r, sizeof r, "%lld", (long long)retry_after_ms);
    printf("{\"step\":\"%s\",\"decision\":\"%s\",\"cause\":%s,\"sv\":%s,\"refreshed\":%s,\"retry_after_ms\":%s,"
           "\"pas_calls\":%ld}\n",
           step, decision, c, s, refreshed < 0 ? "null" : refreshed ? "true" : "false", r, calls);
    fflush(stdout);
}

/* Authorization request, login as `account` without a browser (login_hint), code exchange,
 * access token verified; the refresh token goes into the store encrypted, with the token's sv. */
static void login_step(demo *d, const char *step, const char *account, const char *session_id) {
    pas_error *err = NULL;
    long before = token_calls(d->control_url);
    pas_auth_request *req = NULL;
    if (pas_client_authorization_request(d->client, &req, &err) != PAS_STATUS_OK) die("authorization request", err);
    pas_str url, state, verifier;
    pas_auth_request_url(req, &url);
    pas_auth_request_state(req, &state);
    pas_auth_request_code_verifier(req, &verifier);
    char login_url[4096];
    snprintf(login_url, sizeof login_url, "%.*s&login_hint=%s", (int)url.len, url.data, account);
    http_response r = {0};
    http("GET", login_url, NULL, &r);
    char *location = http_header(&r, "location");
    if (r.status != 303 || !location) die("the login shortcut did not redirect", NULL);
    char *code = query_param(location, "code"), *got_state = query_param(location, "state");
    if (!code) die("no code on the callback", NULL);
    if (!got_state || strlen(got_state) != state.len || memcmp(got_state, state.data, state.len) != 0)
        die("state mismatch on the callback", NULL);

    pas_tokens *tokens = NULL;
    if (pas_client_exchange_code(d->client, code, strlen(code), verifier.data, verifier.len, &tokens, &err) !=
        PAS_STATUS_OK)
        die("code exchange", err);
    pas_str access, refresh, sub;
    pas_tokens_access_token(tokens, &access);
    pas_tokens_refresh_token(tokens, &refresh);
    if (!refresh.data) die("no refresh token", NULL);
    pas_claims *claims = NULL;
    if (pas_verifier_verify(d->verifier, access.data, access.len, &claims, &err) != PAS_STATUS_OK)
        die("access token verification", err);
    pas_claims_numbers nums;
    pas_claims_subject(claims, &sub);
    pas_claims_numbers_get(claims, &nums);
    fprintf(stderr, "  %s: access token verified, sub %.*s sv %lld\n", account, (int)sub.len, sub.data,
            (long long)nums.sv);
    pas_bytes ct = {0};
    if (pas_cipher_encrypt(d->cipher, refresh.data, refresh.len, &ct, &err) != PAS_STATUS_OK) die("encrypt", err);

    if (d->store.n == sizeof d->store.rows / sizeof d->store.rows[0]) die("store full", NULL);
    session *row = &d->store.rows[d->store.n++];
    row->id = xstrndup(session_id, strlen(session_id));
    row->ppnum_id = xstrndup(sub.data, sub.len);
    row->ciphertext = xstrndup((const char *)ct.data, ct.len);
    row->has_sv = nums.has_sv;
    row->sv = nums.sv;

    pas_bytes_free(&ct);
    pas_claims_free(claims);
    pas_tokens_free(tokens);
    free(code);
    free(got_state);
    free(location);
    http_response_free(&r);
    pas_auth_request_free(req);
    emit(step, "logged_in", NULL, row->has_sv, row->sv, -1, -1, token_calls(d->control_url) - before);
}

static void validate_step(demo *d, const char *step, const char *session_id) {
    static const pas_session_store callbacks = {find_session, fetch_ciphertext, persist, NULL, NULL};
    pas_error *err = NULL;
    pas_session_result res;
    long before = token_calls(d->control_url);
    if (pas_session_validate(d->validator, &callbacks, &d->store, session_id, strlen(session_id), &res, &err) !=
        PAS_STATUS_OK)
        die("validate", err);
    long calls = token_calls(d->control_url) - before;
    switch (res.decision) {
    case PAS_DECISION_AUTHENTICATED: emit(step, "authenticated", NULL, true, res.sv, res.refreshed, -1, calls); break;
    case PAS_DECISION_NO_COOKIE: emit(step, "no_cookie", NULL, false, 0, -1, -1, calls); break;
    default: emit(step, "expired", pas_cause_name(res.cause), false, 0, -1, -1, calls); break;
    }
}

static void liveness_step(demo *d, const char *step, const char *session_id) {
    session *row = store_get(&d->store, session_id, strlen(session_id));
    if (!row || !row->ciphertext) die("the session has no ciphertext", NULL);
    pas_error *err = NULL;
    pas_liveness_result res;
    long before = token_calls(d->control_url);
    if (pas_session_validator_liveness_refresh(d->validator, row->ciphertext, strlen(row->ciphertext), &res, &err) !=
        PAS_STATUS_OK)
        die("liveness refresh", err);
    long calls = token_calls(d->control_url) - before;
    const char *kind = res.outcome == PAS_LIVENESS_FRESH     ? "fresh"
                       : res.outcome == PAS_LIVENESS_REVOKED ? "revoked"
                                                             : "transient";
    emit(step, kind, res.cause, false, 0, -1, res.outcome == PAS_LIVENESS_TRANSIENT ? res.retry_after_ms : -1, calls);
    pas_bytes_free(&res.rotated_ciphertext);
}

int main(int argc, char **argv) {
    const char *base = argc > 1 ? argv[1] : getenv("PAS_DEVSERVER_URL");
    const char *control_env = argc > 2 ? argv[2] : getenv("PAS_DEVSERVER_CONTROL_URL");
    if (!base || !*base) {
        fprintf(stderr, "usage: %s PAS_DEVSERVER_URL [CONTROL_URL]\n", argv[0]);
        return 2;
    }
    if (pas_abi_version() != PAS_ABI_VERSION) die("header and library ABI versions differ", NULL);
    char control_url[512], jwks_url[512];
    if (control_env && *control_env) snprintf(control_url, sizeof control_url, "%s", control_env);
    else snprintf(control_url, sizeof control_url, "%s/__control", base);
    snprintf(jwks_url, sizeof jwks_url, "%s/.well-known/jwks.json", base);

    demo d = {.base_url = base, .control_url = control_url};
    pas_error *err = NULL;
    if (pas_client_new(CLIENT_ID, strlen(CLIENT_ID), REDIRECT_URI, strlen(REDIRECT_URI), base, strlen(base), 2000,
                       &d.client, &err) != PAS_STATUS_OK)
        die("client", err);
    char key[PAS_CIPHER_KEY_B64_LEN + 1];
    size_t key_len;
    if (pas_cipher_generate_key(key, sizeof key, &key_len) != PAS_STATUS_OK) die("key", NULL);
    if (pas_cipher_new(key, key_len, &d.cipher, &err) != PAS_STATUS_OK) die("cipher", err);
    memset(key, 0, sizeof key);
    pas_verifier_builder *b = NULL;
    pas_verifier_builder_new(base, strlen(base), CLIENT_ID, strlen(CLIENT_ID), &b);
    pas_verifier_builder_set_pas_profile(b, 1);
    pas_verifier_builder_jwks_url(b, jwks_url, strlen(jwks_url), 5000, 0);
    if (pas_verifier_builder_build(b, &d.verifier, &err) != PAS_STATUS_OK) die("verifier", err);
    if (pas_session_validator_new(d.client, d.cipher, &d.validator) != PAS_STATUS_OK) die("validator", NULL);
    http_response r;

    fprintf(stderr, "1. alice logs in (PKCE S256, no browser) and uses the site\n");
    login_step(&d, "login", "alice", "session-a");
    validate_step(&d, "validate", "session-a");
    validate_step(&d, "validate_cached", "session-a");

    fprintf(stderr, "2. break-glass at PAS: alice's sv is bumped; the cache entry is cleared\n");
    r = control(control_url, "POST", "accounts/alice/bump-sv", "{}");
    http_response_free(&r);
    pas_session_validator_cache_clear(d.validator);
    validate_step(&d, "break_glass", "session-a");

    fprintf(stderr, "3. PAS revokes alice's refresh tokens\n");
    r = control(control_url, "POST", "accounts/alice/revoke", "{}");
    http_response_free(&r);
    pas_session_validator_cache_clear(d.validator);
    validate_step(&d, "revoked", "session-a");

    fprintf(stderr, "4. bob logs in; then PAS answers 503 on every token call\n");
    login_step(&d, "login_bob", "bob", "session-b");
    r = control(control_url, "POST", "faults",
                "{\"endpoint\":\"token\",\"count\":100,\"fault\":{\"status\":503,\"retry_after\":5}}");
    http_response_free(&r);
    validate_step(&d, "pas_503_sv_path", "session-b");
    liveness_step(&d, "pas_503_liveness", "session-b");

    fprintf(stderr, "5. requests without a session\n");
    validate_step(&d, "no_cookie", "");
    validate_step(&d, "unknown_session", "session-x");

    for (size_t i = 0; i < d.store.n; i++) {
        free(d.store.rows[i].id);
        free(d.store.rows[i].ppnum_id);
        free(d.store.rows[i].ciphertext);
    }
    pas_session_validator_free(d.validator);
    pas_verifier_free(d.verifier);
    pas_cipher_free(d.cipher);
    pas_client_free(d.client);
    return 0;
}
