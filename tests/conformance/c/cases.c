/* The stateless vector files through the C ABI: pkce, cipher, jwt, liveness and errors.
 * Each function computes one row's `actual`, with exactly the shape of its `expect`. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* ---- pkce.json --------------------------------------------------------------------------- */

json_t *run_pkce(json_t *doc, json_t *row) {
    size_t len = 0, out_len = 0;
    const char *verifier = str_member(row, "verifier", &len);
    char buf[PAS_PKCE_CHALLENGE_LEN + 1];
    pas_status st;
    (void)doc;
    if (!verifier) return runner_error("no verifier");
    st = pas_pkce_challenge_s256(verifier, len, buf, sizeof buf, &out_len, NULL);
    if (st != PAS_STATUS_OK) return json_pack("{s:n,s:o}", "challenge", "error", status_json(st));
    return json_pack("{s:s%,s:n}", "challenge", buf, out_len, "error");
}

/* ---- cipher.json ------------------------------------------------------------------------- */

json_t *run_cipher(json_t *doc, json_t *row) {
    size_t len = 0;
    const char *ct = str_member(row, "ciphertext", &len);
    pas_cipher *cipher = NULL;
    pas_bytes pt = {NULL, 0};
    pas_status st;
    json_t *out;
    (void)doc;
    if (!ct) return runner_error("no ciphertext");
    st = cipher_from_keys(json_object_get(row, "keys"), &cipher);
    if (st == PAS_STATUS_OK) st = pas_cipher_decrypt(cipher, ct, len, &pt, NULL);
    pas_cipher_free(cipher);
    if (st != PAS_STATUS_OK) return json_pack("{s:n,s:o}", "plaintext", "error", status_json(st));
    /* The plaintext is text (the library checked UTF-8); it may hold NUL bytes. */
    out = json_pack("{s:s%,s:n}", "plaintext", pt.data ? (const char *)pt.data : "", pt.len, "error");
    pas_bytes_free(&pt);
    return out ? out : runner_error("plaintext is not UTF-8");
}

/* ---- jwt.json ---------------------------------------------------------------------------- */

static const struct {
    const char *name;
    pas_alg alg;
} ALGS[] = {{"EdDSA", PAS_ALG_EDDSA}, {"ES256", PAS_ALG_ES256}, {"RS256", PAS_ALG_RS256}, {"PS256", PAS_ALG_PS256}};

static const char *alg_name(pas_alg alg) {
    size_t i;
    for (i = 0; i < sizeof ALGS / sizeof ALGS[0]; i++)
        if (ALGS[i].alg == alg) return ALGS[i].name;
    return "unknown";
}

/* Builds the verifier a row names; on failure returns the status (and *runner_err for input the
 * runner cannot use). */
static pas_status build_verifier(json_t *spec, pas_verifier **out, json_t **runner_err) {
    size_t il = 0, al = 0, jl = 0, i, n, n_algs = 0;
    const char *issuer = str_member(spec, "issuer", &il), *audience = str_member(spec, "audience", &al);
    const char *jwks = str_member(spec, "jwks", &jl), *profile = str_member(spec, "profile", NULL);
    json_t *algorithms = json_object_get(spec, "algorithms"), *leeway = json_object_get(spec, "leeway_s");
    uint32_t algs[16];
    pas_verifier_builder *b = NULL;
    pas_status st;

    *out = NULL;
    if (!issuer || !audience || !jwks || !profile || !json_is_array(algorithms) || !json_is_integer(leeway) ||
        json_array_size(algorithms) > 16) {
        *runner_err = runner_error("verifier spec is missing a member");
        return PAS_STATUS_INVALID_ARGUMENT;
    }
    n = json_array_size(algorithms);
    for (i = 0; i < n; i++) {
        const char *name = json_string_value(json_array_get(algorithms, i));
        size_t k;
        for (k = 0; name && k < sizeof ALGS / sizeof ALGS[0]; k++)
            if (strcmp(name, ALGS[k].name) == 0) algs[n_algs++] = ALGS[k].alg;
        /* A name the library does not know (HS256, none) cannot be allowed: it is left out, and
         * an allow-list left empty is the library's invalid_config at build. */
    }
    if (strcmp(profile, "rfc9068") != 0 && strcmp(profile, "pas") != 0) {
        *runner_err = runner_error("unknown profile %s", profile);
        return PAS_STATUS_INVALID_ARGUMENT;
    }
    st = pas_verifier_builder_new(issuer, il, audience, al, &b);
    if (st == PAS_STATUS_OK) st = pas_verifier_builder_set_algs(b, algs, n_algs);
    if (st == PAS_STATUS_OK && json_integer_value(leeway) >= 0 && json_integer_value(leeway) <= UINT32_MAX)
        st = pas_verifier_builder_set_leeway_s(b, (uint32_t)json_integer_value(leeway));
    else if (st == PAS_STATUS_OK) st = PAS_STATUS_INVALID_CONFIG;
    if (st == PAS_STATUS_OK) st = pas_verifier_builder_set_pas_profile(b, strcmp(profile, "pas") == 0 ? 1 : 0);
    if (st == PAS_STATUS_OK) st = pas_verifier_builder_jwks_json(b, jwks, jl);
    if (st != PAS_STATUS_OK) {
        pas_verifier_builder_free(b);
        return st;
    }
    return pas_verifier_builder_build(b, out, NULL); /* consumes b */
}

json_t *run_jwt(json_t *doc, json_t *row) {
    const char *name = str_member(row, "verifier", NULL);
    json_t *spec = json_object_get(json_object_get(doc, "verifiers"), name ? name : ""), *runner_err = NULL;
    json_t *now = json_object_get(row, "now"), *out;
    size_t tl = 0;
    const char *token = str_member(row, "token", &tl);
    pas_verifier *v = NULL;
    pas_claims *claims = NULL;
    pas_claims_numbers num;
    pas_str sub, client_id, jti, kid;
    pas_status st;

    if (!spec) return runner_error("unknown verifier %s", name ? name : "(none)");
    /* now = 0 would mean "the current time" to pas_verifier_verify_cached. */
    if (!token || !json_is_integer(now) || json_integer_value(now) <= 0) return runner_error("no token or now");
    st = build_verifier(spec, &v, &runner_err);
    if (runner_err) return runner_err;
    if (st != PAS_STATUS_OK) return json_pack("{s:n,s:o}", "valid", "error", status_json(st));
    st = pas_verifier_verify_cached(v, token, tl, (uint64_t)json_integer_value(now), &claims, NULL);
    pas_verifier_free(v);
    if (st != PAS_STATUS_OK) return json_pack("{s:n,s:o}", "valid", "error", status_json(st));
    pas_claims_subject(claims, &sub);
    pas_claims_client_id(claims, &client_id);
    pas_claims_jwt_id(claims, &jti);
    pas_claims_key_id(claims, &kid);
    pas_claims_numbers_get(claims, &num);
    out = json_pack("{s:{s:s%,s:o,s:s%,s:s%,s:I,s:s,s:o},s:n}", "valid", "sub", sub.data, sub.len, "sv",
                    num.has_sv ? json_integer(num.sv) : json_null(), "client_id", client_id.data, client_id.len,
                    "jti", jti.data, jti.len, "exp", (json_int_t)num.expires_at, "alg", alg_name(num.alg), "kid",
                    kid.data ? json_stringn(kid.data, kid.len) : json_null(), "error");
    pas_claims_free(claims);
    return out ? out : runner_error("claims are not representable");
}

/* ---- liveness.json ----------------------------------------------------------------------- */

json_t *run_liveness(json_t *doc, json_t *row) {
    json_t *keys = json_object_get(row, "cipher_keys"), *answers = json_object_get(row, "pas"), *out;
    size_t ctl = 0, i, before;
    const char *ct = str_member(row, "ciphertext", &ctl);
    pas_testing_pas *pas = NULL;
    pas_cipher *cipher = NULL;
    pas_session_validator *v = NULL;
    pas_liveness_result r;
    pas_status st;
    const char *outcome;
    (void)doc;

    if (!ct || !json_is_array(answers)) return runner_error("no ciphertext or pas");
    if (keys && !json_is_null(keys) && cipher_from_keys(keys, &cipher) != PAS_STATUS_OK)
        return runner_error("cipher_keys do not make a key ring");
    pas_testing_pas_new(&pas);
    for (i = 0; i < json_array_size(answers); i++) {
        if (!script_pas_answer(pas, json_array_get(answers, i))) {
            pas_cipher_free(cipher);
            pas_testing_pas_free(pas);
            return runner_error("pas answer %zu is not scriptable", i);
        }
    }
    pas_testing_validator_new(pas, cipher, &v);
    pas_cipher_free(cipher); /* the validator keeps its own copy */
    before = pas_call_count(pas);
    memset(&r, 0, sizeof r);
    st = pas_session_validator_liveness_refresh(v, ct, ctl, &r, NULL);
    if (st != PAS_STATUS_OK) {
        out = runner_error("liveness refresh returned %s", pas_status_name(st));
    } else {
        outcome = r.outcome == PAS_LIVENESS_FRESH     ? "fresh"
                  : r.outcome == PAS_LIVENESS_REVOKED ? "revoked"
                  : r.outcome == PAS_LIVENESS_TRANSIENT ? "transient"
                                                        : "unknown";
        out = json_pack("{s:s,s:o,s:o,s:o,s:b,s:b,s:I}", "outcome", outcome, "cause", str_or_null(r.cause), "status",
                        r.http_status ? json_integer(r.http_status) : json_null(), "retry_after_s",
                        r.retry_after_ms >= 0 ? json_integer(r.retry_after_ms / 1000) : json_null(), "rotated",
                        r.rotated_ciphertext.data != NULL, "keeps_session", r.outcome != PAS_LIVENESS_REVOKED,
                        "pas_calls", (json_int_t)(pas_call_count(pas) - before));
        pas_bytes_free(&r.rotated_ciphertext);
    }
    pas_session_validator_free(v);
    pas_testing_pas_free(pas);
    return out;
}

/* ---- errors.json ------------------------------------------------------------------------- */

/* The C error table: every status number pas_status_name knows (0 = "ok" is not an error). */
#define MAX_STATUS 10000

json_t *run_errors(json_t *doc, json_t *row) {
    const char *id = str_member(row, "id", NULL);
    uint32_t n;
    if (!id) return runner_error("no id");
    if (strcmp(id, "__extra_codes__") == 0) {
        json_t *codes = json_array(), *cases = json_object_get(doc, "cases");
        for (n = 1; n < MAX_STATUS; n++) {
            const char *name = pas_status_name(n);
            size_t i;
            int listed = 0;
            if (strcmp(name, "unknown") == 0) continue;
            for (i = 0; i < json_array_size(cases) && !listed; i++) {
                const char *other = str_member(json_array_get(cases, i), "id", NULL);
                listed = other && strcmp(other, name) == 0;
            }
            if (!listed) json_array_append_new(codes, json_string(name));
        }
        return json_pack("{s:o}", "codes", codes);
    }
    for (n = 1; n < MAX_STATUS; n++)
        if (strcmp(pas_status_name(n), id) == 0) return json_pack("{s:i}", "number", (int)n);
    return json_pack("{s:n}", "number");
}
