/* Verify a PAS access token and print who it belongs to.
 *   cc -Iinclude examples/c/verify.c -Ltarget/debug -lpas -o verify
 *   ./verify https://accounts.example.com "$ACCESS_TOKEN"
 */
#include <stdio.h>
#include <string.h>

#include "pas.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PAS_BASE_URL ACCESS_TOKEN\n", argv[0]);
        return 2;
    }
    if (pas_abi_version() != PAS_ABI_VERSION) return 2; /* header and library disagree */
    const char *base = argv[1], *token = argv[2];
    char jwks_url[512];
    snprintf(jwks_url, sizeof jwks_url, "%s/.well-known/jwks.json", base);

    pas_verifier_builder *b = NULL;
    pas_verifier *v = NULL;
    pas_claims *claims = NULL;
    pas_error *err = NULL;
    pas_verifier_builder_new(base, strlen(base), "pas-demo", 8, &b);
    pas_verifier_builder_jwks_url(b, jwks_url, strlen(jwks_url), 5000, 0);
    if (pas_verifier_builder_build(b, &v, &err) != PAS_STATUS_OK) goto fail; /* consumes b */

    /* Blocking: the first call fetches the JWKS. */
    if (pas_verifier_verify(v, token, strlen(token), &claims, &err) != PAS_STATUS_OK) goto fail;
    pas_str sub;
    pas_claims_numbers n;
    pas_claims_subject(claims, &sub);
    pas_claims_numbers_get(claims, &n);
    printf("subject %.*s sv %lld (%s)\n", (int)sub.len, sub.data, (long long)n.sv, pas_version());
    pas_claims_free(claims);
    pas_verifier_free(v);
    return 0;
fail:
    fprintf(stderr, "%s: %s\n", pas_error_name(err), pas_error_message(err));
    pas_error_free(err);
    pas_verifier_free(v);
    return 1;
}
