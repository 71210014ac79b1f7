// Code generated from include/pas.h (the PAS_STATUS_* constants); errors_test.go checks it against libpas. DO NOT EDIT.

package pas

// Sentinel errors, one per status. Match with errors.Is(err, pas.ErrTokenExpired).
var (
	// ErrInvalidArgument is status 100 (invalid_argument).
	ErrInvalidArgument = &Error{Code: 100, Name: "invalid_argument"}
	// ErrNullArgument is status 101 (null_argument).
	ErrNullArgument = &Error{Code: 101, Name: "null_argument"}
	// ErrInvalidUTF8 is status 102 (invalid_utf8).
	ErrInvalidUTF8 = &Error{Code: 102, Name: "invalid_utf8"}
	// ErrBufferTooSmall is status 103 (buffer_too_small).
	ErrBufferTooSmall = &Error{Code: 103, Name: "buffer_too_small"}
	// ErrInvalidConfig is status 110 (invalid_config).
	ErrInvalidConfig = &Error{Code: 110, Name: "invalid_config"}
	// ErrInvalidURL is status 111 (invalid_url).
	ErrInvalidURL = &Error{Code: 111, Name: "invalid_url"}
	// ErrInvalidVerifier is status 112 (invalid_verifier).
	ErrInvalidVerifier = &Error{Code: 112, Name: "invalid_verifier"}
	// ErrDiscoveryFailed is status 113 (discovery_failed).
	ErrDiscoveryFailed = &Error{Code: 113, Name: "discovery_failed"}
	// ErrWouldDeadlock is status 200 (would_deadlock).
	ErrWouldDeadlock = &Error{Code: 200, Name: "would_deadlock"}
	// ErrPanic is status 201 (panic).
	ErrPanic = &Error{Code: 201, Name: "panic"}
	// ErrInternal is status 202 (internal).
	ErrInternal = &Error{Code: 202, Name: "internal"}
	// ErrRuntimeUnavailable is status 203 (runtime_unavailable).
	ErrRuntimeUnavailable = &Error{Code: 203, Name: "runtime_unavailable"}
	// ErrPASRejected is status 300 (pas_rejected).
	ErrPASRejected = &Error{Code: 300, Name: "pas_rejected"}
	// ErrPASServerError is status 301 (pas_server_error).
	ErrPASServerError = &Error{Code: 301, Name: "pas_server_error"}
	// ErrPASTransport is status 302 (pas_transport).
	ErrPASTransport = &Error{Code: 302, Name: "pas_transport"}
	// ErrPASTimeout is status 303 (pas_timeout).
	ErrPASTimeout = &Error{Code: 303, Name: "pas_timeout"}
	// ErrPASBadResponse is status 304 (pas_bad_response).
	ErrPASBadResponse = &Error{Code: 304, Name: "pas_bad_response"}
	// ErrTokenMalformed is status 400 (token_malformed).
	ErrTokenMalformed = &Error{Code: 400, Name: "token_malformed"}
	// ErrTokenTooLarge is status 401 (token_too_large).
	ErrTokenTooLarge = &Error{Code: 401, Name: "token_too_large"}
	// ErrAlgNotAllowed is status 402 (alg_not_allowed).
	ErrAlgNotAllowed = &Error{Code: 402, Name: "alg_not_allowed"}
	// ErrTypInvalid is status 403 (typ_invalid).
	ErrTypInvalid = &Error{Code: 403, Name: "typ_invalid"}
	// ErrHeaderInvalid is status 404 (header_invalid).
	ErrHeaderInvalid = &Error{Code: 404, Name: "header_invalid"}
	// ErrKidUnknown is status 405 (kid_unknown).
	ErrKidUnknown = &Error{Code: 405, Name: "kid_unknown"}
	// ErrSignatureInvalid is status 406 (signature_invalid).
	ErrSignatureInvalid = &Error{Code: 406, Name: "signature_invalid"}
	// ErrTokenExpired is status 407 (token_expired).
	ErrTokenExpired = &Error{Code: 407, Name: "token_expired"}
	// ErrTokenNotYetValid is status 408 (token_not_yet_valid).
	ErrTokenNotYetValid = &Error{Code: 408, Name: "token_not_yet_valid"}
	// ErrIatInFuture is status 409 (iat_in_future).
	ErrIatInFuture = &Error{Code: 409, Name: "iat_in_future"}
	// ErrLifetimeTooLong is status 410 (lifetime_too_long).
	ErrLifetimeTooLong = &Error{Code: 410, Name: "lifetime_too_long"}
	// ErrIssuerInvalid is status 411 (issuer_invalid).
	ErrIssuerInvalid = &Error{Code: 411, Name: "issuer_invalid"}
	// ErrAudienceInvalid is status 412 (audience_invalid).
	ErrAudienceInvalid = &Error{Code: 412, Name: "audience_invalid"}
	// ErrClaimMissing is status 413 (claim_missing).
	ErrClaimMissing = &Error{Code: 413, Name: "claim_missing"}
	// ErrClaimInvalid is status 414 (claim_invalid).
	ErrClaimInvalid = &Error{Code: 414, Name: "claim_invalid"}
	// ErrCategoryInvalid is status 415 (category_invalid).
	ErrCategoryInvalid = &Error{Code: 415, Name: "category_invalid"}
	// ErrJWKSUnavailable is status 416 (jwks_unavailable).
	ErrJWKSUnavailable = &Error{Code: 416, Name: "jwks_unavailable"}
	// ErrJWKSInvalid is status 417 (jwks_invalid).
	ErrJWKSInvalid = &Error{Code: 417, Name: "jwks_invalid"}
	// ErrKeyInvalid is status 500 (key_invalid).
	ErrKeyInvalid = &Error{Code: 500, Name: "key_invalid"}
	// ErrKeyWrongLength is status 501 (key_wrong_length).
	ErrKeyWrongLength = &Error{Code: 501, Name: "key_wrong_length"}
	// ErrEncryptFailed is status 502 (encrypt_failed).
	ErrEncryptFailed = &Error{Code: 502, Name: "encrypt_failed"}
	// ErrCiphertextMalformed is status 503 (ciphertext_malformed).
	ErrCiphertextMalformed = &Error{Code: 503, Name: "ciphertext_malformed"}
	// ErrCiphertextTruncated is status 504 (ciphertext_truncated).
	ErrCiphertextTruncated = &Error{Code: 504, Name: "ciphertext_truncated"}
	// ErrDecryptFailed is status 505 (decrypt_failed).
	ErrDecryptFailed = &Error{Code: 505, Name: "decrypt_failed"}
	// ErrStoreFailed is status 600 (store_failed).
	ErrStoreFailed = &Error{Code: 600, Name: "store_failed"}
	// ErrInvalidState is status 601 (invalid_state).
	ErrInvalidState = &Error{Code: 601, Name: "invalid_state"}
)

// sentinels lists every sentinel, in numeric order.
var sentinels = []*Error{
	ErrInvalidArgument,
	ErrNullArgument,
	ErrInvalidUTF8,
	ErrBufferTooSmall,
	ErrInvalidConfig,
	ErrInvalidURL,
	ErrInvalidVerifier,
	ErrDiscoveryFailed,
	ErrWouldDeadlock,
	ErrPanic,
	ErrInternal,
	ErrRuntimeUnavailable,
	ErrPASRejected,
	ErrPASServerError,
	ErrPASTransport,
	ErrPASTimeout,
	ErrPASBadResponse,
	ErrTokenMalformed,
	ErrTokenTooLarge,
	ErrAlgNotAllowed,
	ErrTypInvalid,
	ErrHeaderInvalid,
	ErrKidUnknown,
	ErrSignatureInvalid,
	ErrTokenExpired,
	ErrTokenNotYetValid,
	ErrIatInFuture,
	ErrLifetimeTooLong,
	ErrIssuerInvalid,
	ErrAudienceInvalid,
	ErrClaimMissing,
	ErrClaimInvalid,
	ErrCategoryInvalid,
	ErrJWKSUnavailable,
	ErrJWKSInvalid,
	ErrKeyInvalid,
	ErrKeyWrongLength,
	ErrEncryptFailed,
	ErrCiphertextMalformed,
	ErrCiphertextTruncated,
	ErrDecryptFailed,
	ErrStoreFailed,
	ErrInvalidState,
}
