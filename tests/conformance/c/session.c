/* session.json through the C ABI, played the way a C host plays it: the host owns the session
 * store and the sv cache, drives the step machine (pas_session_check_*) and carries every effect
 * out itself; only REFRESH_AT_PAS is the library's (pas_session_check_refresh, here against the
 * test-only scripted PAS). Every effect is written to one ordered log, as the README says. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

typedef struct {
    char *id, *ppnum, *ct; /* ct NULL: no ciphertext */
    size_t id_len, ppnum_len, ct_len;
    bool has_sv, present;
    int64_t sv;
} session;

typedef struct {
    char *key;
    size_t key_len;
    int64_t sv;
} cache_entry;

typedef struct {
    session *sessions;
    size_t n_sessions;
    cache_entry *cache;
    size_t n_cache;
    json_int_t fail_find_call; /* 0: never */
    bool fail_ciphertext, fail_persist, vanish_after_persist, cache_fails_load;
    json_int_t finds;
    json_t *log; /* array of strings, this step's effects */
} world;

static char *dup_n(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (!p) abort();
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void effect(world *w, const char *fmt, long long sv, unsigned ttl) {
    char entry[96];
    snprintf(entry, sizeof entry, fmt, sv, ttl);
    json_array_append_new(w->log, json_string(entry));
}

static session *find(world *w, const char *id, size_t len) {
    size_t i;
    for (i = 0; i < w->n_sessions; i++) {
        session *s = &w->sessions[i];
        if (s->present && s->id_len == len && memcmp(s->id, id, len) == 0) return s;
    }
    return NULL;
}

static cache_entry *cache_get(world *w, const char *key, size_t len) {
    size_t i;
    for (i = 0; i < w->n_cache; i++)
        if (w->cache[i].key_len == len && memcmp(w->cache[i].key, key, len) == 0) return &w->cache[i];
    return NULL;
}

static void cache_set(world *w, const char *key, size_t len, int64_t sv) {
    cache_entry *e = cache_get(w, key, len);
    if (!e) {
        w->cache = realloc(w->cache, (w->n_cache + 1) * sizeof *w->cache);
        if (!w->cache) abort();
        e = &w->cache[w->n_cache++];
        e->key = dup_n(key, len);
        e->key_len = len;
    }
    e->sv = sv;
}

static void cache_clear(world *w) {
    size_t i;
    for (i = 0; i < w->n_cache; i++) free(w->cache[i].key);
    free(w->cache);
    w->cache = NULL;
    w->n_cache = 0;
}

static void world_free(world *w) {
    size_t i;
    for (i = 0; i < w->n_sessions; i++) {
        free(w->sessions[i].id);
        free(w->sessions[i].ppnum);
        free(w->sessions[i].ct);
    }
    free(w->sessions);
    cache_clear(w);
    json_decref(w->log);
}

/* Fills the world from `given`; returns an error message or NULL. */
static const char *world_init(world *w, json_t *given) {
    json_t *sessions = json_object_get(given, "sessions"), *cache = json_object_get(given, "cache");
    json_t *faults = json_object_get(given, "store_faults"), *v, *fail_find;
    const char *key;
    size_t i = 0;

    memset(w, 0, sizeof *w);
    w->log = json_array();
    if (!json_is_object(sessions)) return "given.sessions is not an object";
    w->sessions = calloc(json_object_size(sessions) + 1, sizeof *w->sessions);
    json_object_foreach(sessions, key, v) {
        session *s = &w->sessions[i++];
        size_t pl = 0, cl = 0;
        const char *ppnum = str_member(v, "ppnum_id", &pl), *ct = str_member(v, "ciphertext", &cl);
        json_t *sv = json_object_get(v, "sv");
        w->n_sessions = i;
        if (!ppnum) return "a session has no ppnum_id";
        s->id = dup_n(key, strlen(key));
        s->id_len = strlen(key);
        s->ppnum = dup_n(ppnum, pl);
        s->ppnum_len = pl;
        s->ct = ct ? dup_n(ct, cl) : NULL;
        s->ct_len = cl;
        s->has_sv = json_is_integer(sv);
        s->sv = s->has_sv ? json_integer_value(sv) : 0;
        s->present = true;
    }
    if (json_is_object(cache)) {
        json_object_foreach(cache, key, v) {
            if (json_is_integer(v)) cache_set(w, key, strlen(key), json_integer_value(v));
        }
    }
    fail_find = json_object_get(faults, "fail_find_call");
    w->fail_find_call = json_is_integer(fail_find) ? json_integer_value(fail_find) : 0;
    w->fail_ciphertext = json_is_true(json_object_get(faults, "fail_ciphertext"));
    w->fail_persist = json_is_true(json_object_get(faults, "fail_persist"));
    w->vanish_after_persist = json_is_true(json_object_get(faults, "vanish_after_persist"));
    w->cache_fails_load = json_is_true(json_object_get(given, "cache_fails_load"));
    return NULL;
}

/* One request: the C host's loop over the step machine. Returns the final status (OK, or the
 * failure that ended the check) and fills *r. */
static pas_status drive(world *w, pas_testing_pas *pas, pas_session_validator *v, const char *sid, size_t sid_len,
                        pas_session_result *r) {
    pas_session_check *chk = NULL;
    pas_step st;
    pas_status status = pas_session_check_new(v, sid, sid_len, &chk);
    memset(r, 0, sizeof *r); /* EXPIRED, NONE: fail-closed */
    if (status != PAS_STATUS_OK) return status;
    for (;;) {
        session *s;
        if (pas_session_check_step(chk, &st) != PAS_STATUS_OK) {
            status = PAS_STATUS_INTERNAL;
            break;
        }
        if (st.kind == PAS_STEP_DONE) {
            status = pas_session_check_result(chk, r, NULL);
            break;
        }
        switch (st.kind) {
        case PAS_STEP_FIND_SESSION:
        case PAS_STEP_REFETCH:
            effect(w, "find_session", 0, 0);
            w->finds++;
            s = find(w, st.session_id.data, st.session_id.len);
            if (w->fail_find_call == w->finds) pas_session_check_feed_store_failed(chk);
            else if (!s) pas_session_check_feed_no_session(chk);
            else pas_session_check_feed_session(chk, s->ppnum, s->ppnum_len, s->has_sv, s->sv);
            break;
        case PAS_STEP_LOAD_CACHE: {
            cache_entry *e;
            effect(w, "load_cache", 0, 0);
            e = w->cache_fails_load ? NULL : cache_get(w, st.cache_key.data, st.cache_key.len);
            pas_session_check_feed_cache(chk, e != NULL, e ? e->sv : 0); /* a failed load is a miss */
            break;
        }
        case PAS_STEP_FETCH_CIPHERTEXT:
            effect(w, "fetch_ciphertext", 0, 0);
            s = find(w, st.session_id.data, st.session_id.len);
            if (w->fail_ciphertext) pas_session_check_feed_store_failed(chk);
            else if (!s || !s->ct) pas_session_check_feed_no_ciphertext(chk);
            else pas_session_check_feed_ciphertext(chk, s->ct, s->ct_len);
            break;
        case PAS_STEP_REFRESH_AT_PAS: {
            /* The library's effect: it decrypts, calls PAS (maybe not at all, when nothing opens
             * the ciphertext) and feeds the machine. The log gets one entry per PAS call. */
            size_t before = pas_call_count(pas), after;
            status = pas_session_check_refresh(v, chk, NULL);
            for (after = pas_call_count(pas); before < after; before++) effect(w, "refresh_at_pas", 0, 0);
            break;
        }
        case PAS_STEP_PERSIST: {
            bool rotated = st.rotated_ciphertext.data != NULL;
            effect(w, rotated ? "persist sv=%lld rotated" : "persist sv=%lld", (long long)st.sv, 0);
            s = find(w, st.session_id.data, st.session_id.len);
            if (w->fail_persist) {
                pas_session_check_feed_store_failed(chk);
                break;
            }
            if (s) {
                s->sv = st.sv;
                s->has_sv = true;
                if (rotated) {
                    free(s->ct);
                    s->ct = dup_n(st.rotated_ciphertext.data, st.rotated_ciphertext.len);
                    s->ct_len = st.rotated_ciphertext.len;
                }
                if (w->vanish_after_persist) s->present = false;
            }
            pas_session_check_feed_persisted(chk);
            break;
        }
        case PAS_STEP_RECORD_CACHE:
            effect(w, "record_cache sv=%lld ttl=%u", (long long)st.sv, st.ttl_s);
            cache_set(w, st.cache_key.data, st.cache_key.len, st.sv);
            pas_session_check_feed_cache_recorded(chk);
            break;
        default:
            status = PAS_STATUS_INTERNAL;
            break;
        }
        if (status != PAS_STATUS_OK) break;
    }
    pas_session_check_free(chk);
    return status;
}

/* One step: its entry of `actual.steps`. `expect_cache` lists the cache keys to report. */
static json_t *run_step(world *w, pas_testing_pas *pas, pas_session_validator *v, json_t *step, json_t *expect_cache) {
    json_t *answers = json_object_get(step, "pas"), *sid_v = json_object_get(step, "session_id"), *cache_out;
    json_t *ignored, *sv = json_null(), *refreshed = json_null();
    const char *sid = json_string_value(sid_v), *decision, *cause = NULL, *key;
    size_t sid_len = sid ? json_string_length(sid_v) : 0, before, i;
    pas_session_result r;
    session *s;

    if (sid_v && !json_is_null(sid_v) && !sid) return runner_error("session_id is not a string");
    if (json_is_true(json_object_get(step, "clear_cache_before"))) cache_clear(w);
    for (i = 0; i < json_array_size(answers); i++)
        if (!script_pas_answer(pas, json_array_get(answers, i))) return runner_error("pas answer %zu is not scriptable", i);
    json_array_clear(w->log);
    before = pas_call_count(pas);
    if (!sid || sid_len == 0) {
        /* No cookie: a C host never starts a check (pas_session_check_new refuses an empty id). */
        decision = "no_cookie";
    } else {
        pas_status status = drive(w, pas, v, sid, sid_len, &r);
        if (status != PAS_STATUS_OK) {
            /* The check ended in a failure status (store_failed): the host's error path. */
            decision = "error";
            cause = pas_status_name(status);
        } else if (r.decision == PAS_DECISION_AUTHENTICATED) {
            decision = "authenticated";
            sv = json_integer(r.sv);
            refreshed = json_boolean(r.refreshed);
        } else if (r.decision == PAS_DECISION_NO_COOKIE) {
            decision = "no_cookie";
        } else {
            decision = "expired";
            cause = pas_cause_name(r.cause);
        }
    }
    cache_out = json_object();
    json_object_foreach(expect_cache, key, ignored) {
        cache_entry *e = cache_get(w, key, strlen(key));
        json_object_set_new(cache_out, key, e ? json_integer(e->sv) : json_null());
    }
    s = sid ? find(w, sid, sid_len) : NULL;
    return json_pack("{s:s,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "decision", decision, "cause", str_or_null(cause), "sv", sv,
                     "refreshed", refreshed, "effects", json_deep_copy(w->log), "pas_calls",
                     (json_int_t)(pas_call_count(pas) - before), "cache", cache_out, "session_sv",
                     (s && s->has_sv) ? json_integer(s->sv) : json_null());
}

/* A row: a new world (scripted PAS, store, cache, validator); `actual` is {"steps": [...]}, one
 * entry per step, the shape of the row's `expect`. */
json_t *run_session(json_t *doc, json_t *row) {
    json_t *given = json_object_get(row, "given"), *steps = json_object_get(row, "steps"), *keys, *out;
    pas_testing_pas *pas = NULL;
    pas_cipher *cipher = NULL;
    pas_session_validator *v = NULL;
    world w;
    const char *err;
    size_t i;
    (void)doc;

    if (!json_is_object(given) || !json_is_array(steps)) return runner_error("no given or steps");
    err = world_init(&w, given);
    if (err) {
        world_free(&w);
        return runner_error("%s", err);
    }
    keys = json_object_get(given, "cipher_keys");
    if (keys && !json_is_null(keys) && cipher_from_keys(keys, &cipher) != PAS_STATUS_OK) {
        world_free(&w);
        return runner_error("cipher_keys do not make a key ring");
    }
    pas_testing_pas_new(&pas);
    pas_testing_validator_new(pas, cipher, &v);
    pas_cipher_free(cipher);
    out = json_array();
    for (i = 0; i < json_array_size(steps); i++) {
        json_t *expect_cache = json_object_get(json_array_get(json_object_get(json_object_get(row, "expect"), "steps"), i), "cache");
        json_array_append_new(out, run_step(&w, pas, v, json_array_get(steps, i), expect_cache));
    }
    pas_session_validator_free(v);
    pas_testing_pas_free(pas);
    world_free(&w);
    return json_pack("{s:o}", "steps", out);
}
