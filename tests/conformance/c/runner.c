/* The C conformance runner (issue 7): runs every shared vector file through the C ABI.
 *
 * Reads every *.json in PAS_VECTORS_DIR (default <repo>/tests/vectors), dispatches on its
 * `file` member, computes each row's `actual` with the shape of its `expect`, compares the two
 * as JSON values, prints the README's summary lines and writes PAS_CONFORMANCE_OUT (default
 * <repo>/target/conformance/c.json). Exits 1 when any row fails or any file cannot be used
 * (unreadable, unknown `schema`, unknown `file`), 0 otherwise.
 *
 * Build: see scripts/test-ffi.sh (stage "conformance: C runner") or scripts/conformance-run.sh c. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"

#ifndef PAS_REPO_ROOT
#define PAS_REPO_ROOT "."
#endif

#define LANGUAGE "c"
#define SCHEMA "pas-vectors/1"

/* ---- helpers ------------------------------------------------------------------------------- */

json_t *runner_error(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return json_pack("{s:s}", "runner_error", msg);
}

const char *str_member(json_t *obj, const char *key, size_t *len) {
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) return NULL;
    if (len) *len = json_string_length(v);
    return json_string_value(v);
}

json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *status_json(pas_status st) { return json_string(pas_status_name(st)); }

pas_status cipher_from_keys(json_t *keys, pas_cipher **out) {
    size_t n = json_array_size(keys), i;
    pas_str *previous;
    pas_status st;
    *out = NULL;
    if (!json_is_array(keys) || n == 0) return PAS_STATUS_INVALID_ARGUMENT;
    for (i = 0; i < n; i++)
        if (!json_is_string(json_array_get(keys, i))) return PAS_STATUS_INVALID_ARGUMENT;
    previous = calloc(n, sizeof *previous);
    if (!previous) return PAS_STATUS_INTERNAL;
    for (i = 1; i < n; i++) {
        json_t *k = json_array_get(keys, i);
        previous[i - 1].data = json_string_value(k);
        previous[i - 1].len = json_string_length(k);
    }
    {
        json_t *primary = json_array_get(keys, 0);
        st = pas_cipher_new_ring(json_string_value(primary), json_string_length(primary), previous, n - 1, out,
                                 NULL);
    }
    free(previous);
    return st;
}

size_t pas_call_count(const pas_testing_pas *pas) {
    size_t calls = 0, unexpected = 0;
    pas_testing_pas_calls(pas, &calls, &unexpected);
    return calls;
}

bool script_pas_answer(pas_testing_pas *pas, json_t *answer) {
    json_t *v;
    if ((v = json_object_get(answer, "refresh_ok")) != NULL) {
        size_t at_len = 0, rt_len = 0;
        const char *at = str_member(v, "access_token", &at_len);
        const char *rt = str_member(v, "refresh_token", &rt_len);
        size_t ex_len = 0;
        const char *expected = str_member(v, "expect_refresh_token", &ex_len);
        json_t *rt_v = json_object_get(v, "refresh_token"), *ex_v = json_object_get(v, "expect_refresh_token");
        if (!at || (rt_v && !json_is_null(rt_v) && !rt) || (ex_v && !json_is_null(ex_v) && !expected)) return false;
        if (expected)
            return pas_testing_pas_refresh_ok_expecting(pas, expected, ex_len, at, at_len, rt, rt_len) == PAS_STATUS_OK;
        return pas_testing_pas_refresh_ok(pas, at, at_len, true, rt, rt_len) == PAS_STATUS_OK;
    }
    if ((v = json_object_get(answer, "reject")) != NULL) {
        json_t *status = json_object_get(v, "status");
        if (!json_is_integer(status)) return false;
        return pas_testing_pas_refresh_fails(pas, (uint16_t)json_integer_value(status), 0) == PAS_STATUS_OK;
    }
    if ((v = json_object_get(answer, "server_error")) != NULL) {
        json_t *status = json_object_get(v, "status"), *retry = json_object_get(v, "retry_after_s");
        uint32_t retry_s = json_is_integer(retry) ? (uint32_t)json_integer_value(retry) : 0;
        if (!json_is_integer(status)) return false;
        return pas_testing_pas_refresh_fails(pas, (uint16_t)json_integer_value(status), retry_s) == PAS_STATUS_OK;
    }
    if ((v = json_object_get(answer, "transport")) != NULL) {
        const char *name = json_string_value(v);
        pas_status code;
        if (!name) return false;
        if (strcmp(name, "pas_transport") == 0) code = PAS_STATUS_PAS_TRANSPORT;
        else if (strcmp(name, "pas_timeout") == 0) code = PAS_STATUS_PAS_TIMEOUT;
        else if (strcmp(name, "pas_bad_response") == 0) code = PAS_STATUS_PAS_BAD_RESPONSE;
        else return false;
        return pas_testing_pas_refresh_transport(pas, code) == PAS_STATUS_OK;
    }
    return false;
}

/* ---- files ----------------------------------------------------------------------------------- */

static const struct {
    const char *file;
    row_fn run;
} HANDLERS[] = {
    {"pkce", run_pkce},         {"cipher", run_cipher},     {"jwt", run_jwt},
    {"session", run_session},   {"liveness", run_liveness}, {"errors", run_errors},
};

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int mkdir_parents(const char *path) {
    char *p = strdup(path), *s;
    if (!p) return -1;
    for (s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

typedef struct {
    size_t rows, files, passed, failed;
    int broken; /* a file could not be used */
} totals;

/* Runs one file; adds its entry to `files_out`. */
static void run_file(const char *dir, const char *name, json_t *files_out, totals *t) {
    char path[4096];
    json_error_t jerr;
    json_t *doc, *cases, *rows, *entry;
    const char *schema, *file;
    row_fn run = NULL;
    size_t i, passed = 0, failed = 0;

    t->files++;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    schema = str_member(doc, "schema", NULL);
    file = str_member(doc, "file", NULL);
    cases = json_object_get(doc, "cases");
    if (!doc) {
        printf("FAIL %s: cannot be read: %s (line %d)\n", name, jerr.text, jerr.line);
    } else if (!schema || strcmp(schema, SCHEMA) != 0) {
        printf("FAIL %s: unknown schema `%s` (this runner reads " SCHEMA ")\n", name, schema ? schema : "(none)");
    } else if (!json_is_array(cases)) {
        printf("FAIL %s: `cases` is not an array\n", name);
    } else {
        for (i = 0; i < sizeof HANDLERS / sizeof HANDLERS[0]; i++)
            if (file && strcmp(file, HANDLERS[i].file) == 0) run = HANDLERS[i].run;
        if (!run) printf("FAIL %s: unknown vector file kind `%s`\n", name, file ? file : "(none)");
    }
    rows = json_object();
    if (!run) {
        /* Never skipped silently: the file counts as one failure. */
        t->broken = 1;
        json_object_set_new(files_out, name,
                            json_pack("{s:i,s:i,s:o,s:s}", "passed", 0, "failed", 1, "rows", rows, "error",
                                      !doc ? "unreadable" : "unusable"));
        t->rows++;
        t->failed++;
        printf("pas vectors [" LANGUAGE "] %s: 0 passed, 1 failed\n", name);
        json_decref(doc);
        return;
    }
    for (i = 0; i < json_array_size(cases); i++) {
        json_t *row = json_array_get(cases, i), *expect = json_object_get(row, "expect"), *actual;
        const char *id = str_member(row, "id", NULL);
        char fallback[32];
        if (!id) {
            snprintf(fallback, sizeof fallback, "#%zu", i);
            id = fallback;
        }
        actual = run(doc, row);
        if (expect && json_equal(actual, expect)) {
            passed++;
        } else {
            char *e = expect ? json_dumps(expect, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
            char *a = json_dumps(actual, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
            failed++;
            printf("FAIL %s %s: expected %s got %s\n", name, id, e ? e : "(no expect)", a ? a : "?");
            free(e);
            free(a);
        }
        json_object_set_new(rows, id, actual);
    }
    printf("pas vectors [" LANGUAGE "] %s: %zu passed, %zu failed\n", name, passed, failed);
    entry = json_pack("{s:I,s:I,s:o}", "passed", (json_int_t)passed, "failed", (json_int_t)failed, "rows", rows);
    json_object_set_new(files_out, name, entry);
    t->rows += passed + failed;
    t->passed += passed;
    t->failed += failed;
    json_decref(doc);
}

int main(void) {
    const char *dir = getenv("PAS_VECTORS_DIR");
    const char *out_path = getenv("PAS_CONFORMANCE_OUT");
    char default_out[4096];
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    totals t = {0, 0, 0, 0, 0};
    json_t *files_out = json_object(), *out;

    if (!dir || !*dir) dir = PAS_REPO_ROOT "/tests/vectors";
    if (!out_path || !*out_path) {
        snprintf(default_out, sizeof default_out, "%s/target/conformance/" LANGUAGE ".json", PAS_REPO_ROOT);
        out_path = default_out;
    }
    if (pas_abi_version() != PAS_ABI_VERSION) {
        fprintf(stderr, "pas vectors [" LANGUAGE "]: libpas ABI %u, header %u\n", pas_abi_version(), PAS_ABI_VERSION);
        return 1;
    }
    d = opendir(dir);
    if (!d) {
        printf("pas vectors [" LANGUAGE "]: cannot open %s: %s\n", dir, strerror(errno));
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        run_file(dir, names[i], files_out, &t);
        free(names[i]);
    }
    free(names);

    out = json_pack("{s:s,s:o}", "language", LANGUAGE, "files", files_out);
    if (mkdir_parents(out_path) != 0 || json_dump_file(out, out_path, JSON_INDENT(1) | JSON_SORT_KEYS) != 0) {
        printf("pas vectors [" LANGUAGE "]: cannot write %s\n", out_path);
        t.broken = 1;
    }
    json_decref(out);
    printf("pas vectors [" LANGUAGE "]: %zu rows in %zu files, %zu passed, %zu failed\n", t.rows, t.files, t.passed,
           t.failed);
    if (n == 0) printf("pas vectors [" LANGUAGE "]: no *.json file in %s\n", dir);
    return (t.failed == 0 && !t.broken && n > 0) ? 0 : 1;
}
