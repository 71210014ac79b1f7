/* The C conformance runner (issue 7): shared declarations of its three files.
 *
 * runner.c reads the vector files and writes c.json, cases.c computes the rows of the
 * stateless files (pkce, cipher, jwt, liveness, errors) and session.c plays a C host over the
 * session step machine. JSON is jansson (it keeps NUL bytes inside strings, which Wycheproof
 * plaintexts may hold). */
#ifndef PAS_CONFORMANCE_RUNNER_H
#define PAS_CONFORMANCE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "pas.h"

/* A row handler: computes the `actual` of one case (a new reference, never NULL). `doc` is the
 * whole vector file (some files share data between rows, e.g. jwt.json's verifiers). */
typedef json_t *(*row_fn)(json_t *doc, json_t *row);

json_t *run_pkce(json_t *doc, json_t *row);
json_t *run_cipher(json_t *doc, json_t *row);
json_t *run_jwt(json_t *doc, json_t *row);
json_t *run_liveness(json_t *doc, json_t *row);
json_t *run_errors(json_t *doc, json_t *row);
json_t *run_session(json_t *doc, json_t *row);

/* ---- helpers shared by the handlers (runner.c) ------------------------------------------- */

/* An `actual` that can never equal an `expect`: the row's input could not be read. */
json_t *runner_error(const char *fmt, ...);

/* A string member (NULL when absent or not a string); *len gets its length (NULs included). */
const char *str_member(json_t *obj, const char *key, size_t *len);

/* JSON null for NULL, else the string (a NUL-terminated static/borrowed C string). */
json_t *str_or_null(const char *s);

/* The stable name of a status as JSON. */
json_t *status_json(pas_status st);

/* Builds a key ring from a JSON array of base64 keys (first = primary). Returns the status of
 * pas_cipher_new_ring; PAS_STATUS_INVALID_ARGUMENT when `keys` is not a non-empty array of
 * strings. */
pas_status cipher_from_keys(json_t *keys, pas_cipher **out);

/* Number of refresh calls the scripted PAS has received. */
size_t pas_call_count(const pas_testing_pas *pas);

/* Scripts one PAS answer object of session.json / liveness.json; false when it is not one of
 * the four documented shapes (or the library refused it). */
bool script_pas_answer(pas_testing_pas *pas, json_t *answer);

#endif
