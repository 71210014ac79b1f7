//! Fixed numbers of the ABI: statuses, decisions, causes, step kinds, store results, algorithms,
//! liveness outcomes; and the version and name functions.
//!
//! Statuses and causes are plain `uint32_t` typedefs with `#define`d constants rather than C
//! enums: the library may return a number added in a later core (never UB in C, unlike an
//! out-of-range enum), and `pas_status_name()` names it. The `PAS_STATUS_*` values are the
//! numbers of `pas_core::ErrorCode` and the `PAS_CAUSE_*` values those of
//! `pas_core::session::ExpiredCause`; `tests/abi.rs` checks that both tables match the core
//! exactly, both ways, and the C tests check the header against `pas_status_name()`.

use std::ffi::c_char;

use pas_core::ErrorCode;
use pas_core::session::ExpiredCause;

/// A status: `PAS_STATUS_OK` (0) or the number of a failure (`PAS_STATUS_*`). Ranges: 100s
/// arguments and configuration, 200s runtime, 300s network and PAS, 400s tokens, 500s crypto,
/// 600s sessions. Numbers are never reused.
pub type pas_status = u32;
/// A session decision: `PAS_DECISION_EXPIRED` (0, the preset of every decision out-parameter),
/// `PAS_DECISION_AUTHENTICATED` or `PAS_DECISION_NO_COOKIE`.
pub type pas_decision = u32;
/// The cause of an Expired decision (`PAS_CAUSE_*`); 0 (`PAS_CAUSE_NONE`) when not Expired or
/// when the check ended in a failure status.
pub type pas_cause = u32;
/// What a session-store callback reports: `PAS_STORE_OK`, `PAS_STORE_NONE`, `PAS_STORE_FAILED`.
/// Any other value counts as `PAS_STORE_FAILED`.
pub type pas_store_result = u32;
/// The effect a step-by-step session check asks for next (`PAS_STEP_*`).
pub type pas_step_kind = u32;
/// A JWS algorithm (`PAS_ALG_*`).
pub type pas_alg = u32;
/// The result class of a liveness refresh (`PAS_LIVENESS_*`).
pub type pas_liveness = u32;

/// The version of the ABI this header describes; compare with `pas_abi_version()` at start-up.
pub const PAS_ABI_VERSION: u32 = 1;
/// Major version of the library the header was generated from.
pub const PAS_VERSION_MAJOR: u32 = 0;
/// Minor version of the library the header was generated from.
pub const PAS_VERSION_MINOR: u32 = 1;
/// Patch version of the library the header was generated from.
pub const PAS_VERSION_PATCH: u32 = 0;

/// Success.
pub const PAS_STATUS_OK: pas_status = 0;
pub const PAS_STATUS_INVALID_ARGUMENT: pas_status = 100;
/// `null_argument` (101): a required argument is missing.
pub const PAS_STATUS_NULL_ARGUMENT: pas_status = 101;
/// `invalid_utf8` (102): input is not valid UTF-8.
pub const PAS_STATUS_INVALID_UTF8: pas_status = 102;
/// `buffer_too_small` (103): the output buffer is too small.
pub const PAS_STATUS_BUFFER_TOO_SMALL: pas_status = 103;
/// `invalid_config` (110): the configuration is invalid.
pub const PAS_STATUS_INVALID_CONFIG: pas_status = 110;
/// `invalid_url` (111): a URL is invalid.
pub const PAS_STATUS_INVALID_URL: pas_status = 111;
/// `invalid_verifier` (112): the PKCE code verifier is invalid.
pub const PAS_STATUS_INVALID_VERIFIER: pas_status = 112;
/// `discovery_failed` (113): OpenID discovery failed.
pub const PAS_STATUS_DISCOVERY_FAILED: pas_status = 113;
/// `would_deadlock` (200): blocking call from inside the pas runtime.
pub const PAS_STATUS_WOULD_DEADLOCK: pas_status = 200;
/// `panic` (201): an internal fault was caught.
pub const PAS_STATUS_PANIC: pas_status = 201;
/// `internal` (202): internal error.
pub const PAS_STATUS_INTERNAL: pas_status = 202;
/// `runtime_unavailable` (203): the async runtime is unavailable.
pub const PAS_STATUS_RUNTIME_UNAVAILABLE: pas_status = 203;
/// `pas_rejected` (300): PAS rejected the request.
pub const PAS_STATUS_PAS_REJECTED: pas_status = 300;
/// `pas_server_error` (301): PAS is unavailable.
pub const PAS_STATUS_PAS_SERVER_ERROR: pas_status = 301;
/// `pas_transport` (302): the request to PAS failed in transport.
pub const PAS_STATUS_PAS_TRANSPORT: pas_status = 302;
/// `pas_timeout` (303): the request to PAS timed out.
pub const PAS_STATUS_PAS_TIMEOUT: pas_status = 303;
/// `pas_bad_response` (304): PAS sent an unexpected response.
pub const PAS_STATUS_PAS_BAD_RESPONSE: pas_status = 304;
/// `token_malformed` (400): the token is malformed.
pub const PAS_STATUS_TOKEN_MALFORMED: pas_status = 400;
/// `token_too_large` (401): the token is too large.
pub const PAS_STATUS_TOKEN_TOO_LARGE: pas_status = 401;
/// `alg_not_allowed` (402): the token's algorithm is not allowed.
pub const PAS_STATUS_ALG_NOT_ALLOWED: pas_status = 402;
/// `typ_invalid` (403): the token's type is not at+jwt.
pub const PAS_STATUS_TYP_INVALID: pas_status = 403;
/// `header_invalid` (404): the token header is not allowed.
pub const PAS_STATUS_HEADER_INVALID: pas_status = 404;
/// `kid_unknown` (405): the token's key is unknown.
pub const PAS_STATUS_KID_UNKNOWN: pas_status = 405;
/// `signature_invalid` (406): the token signature is invalid.
pub const PAS_STATUS_SIGNATURE_INVALID: pas_status = 406;
/// `token_expired` (407): the token has expired.
pub const PAS_STATUS_TOKEN_EXPIRED: pas_status = 407;
/// `token_not_yet_valid` (408): the token is not yet valid.
pub const PAS_STATUS_TOKEN_NOT_YET_VALID: pas_status = 408;
/// `iat_in_future` (409): the token was issued in the future.
pub const PAS_STATUS_IAT_IN_FUTURE: pas_status = 409;
/// `lifetime_too_long` (410): the token lifetime is too long.
pub const PAS_STATUS_LIFETIME_TOO_LONG: pas_status = 410;
/// `issuer_invalid` (411): the token issuer is invalid.
pub const PAS_STATUS_ISSUER_INVALID: pas_status = 411;
/// `audience_invalid` (412): the token audience is invalid.
pub const PAS_STATUS_AUDIENCE_INVALID: pas_status = 412;
/// `claim_missing` (413): a required claim is missing.
pub const PAS_STATUS_CLAIM_MISSING: pas_status = 413;
/// `claim_invalid` (414): a claim is invalid.
pub const PAS_STATUS_CLAIM_INVALID: pas_status = 414;
/// `category_invalid` (415): the token is not an access token.
pub const PAS_STATUS_CATEGORY_INVALID: pas_status = 415;
/// `jwks_unavailable` (416): no key set is available.
pub const PAS_STATUS_JWKS_UNAVAILABLE: pas_status = 416;
/// `jwks_invalid` (417): the key set is invalid.
pub const PAS_STATUS_JWKS_INVALID: pas_status = 417;
/// `key_invalid` (500): the key is not valid base64.
pub const PAS_STATUS_KEY_INVALID: pas_status = 500;
/// `key_wrong_length` (501): the key is not 32 bytes.
pub const PAS_STATUS_KEY_WRONG_LENGTH: pas_status = 501;
/// `encrypt_failed` (502): encryption failed.
pub const PAS_STATUS_ENCRYPT_FAILED: pas_status = 502;
/// `ciphertext_malformed` (503): the ciphertext is not valid base64.
pub const PAS_STATUS_CIPHERTEXT_MALFORMED: pas_status = 503;
/// `ciphertext_truncated` (504): the ciphertext is truncated.
pub const PAS_STATUS_CIPHERTEXT_TRUNCATED: pas_status = 504;
/// `decrypt_failed` (505): decryption failed.
pub const PAS_STATUS_DECRYPT_FAILED: pas_status = 505;
/// `store_failed` (600): the session store failed.
pub const PAS_STATUS_STORE_FAILED: pas_status = 600;
/// `invalid_state` (601): the session check was driven out of order.
pub const PAS_STATUS_INVALID_STATE: pas_status = 601;

/// Not Expired (or the check failed with a status): no cause.
pub const PAS_CAUSE_NONE: pas_cause = 0;
/// `session_unknown` (1): The session id names no session in the host's store.
pub const PAS_CAUSE_SESSION_UNKNOWN: pas_cause = 1;
/// `no_cipher` (2): The validator has no refresh-token cipher, so it cannot refresh.
pub const PAS_CAUSE_NO_CIPHER: pas_cause = 2;
/// `ciphertext_missing` (3): The session has no stored refresh-token ciphertext.
pub const PAS_CAUSE_CIPHERTEXT_MISSING: pas_cause = 3;
/// `ciphertext_lookup_failed` (4): The store failed to return the ciphertext.
pub const PAS_CAUSE_CIPHERTEXT_LOOKUP_FAILED: pas_cause = 4;
/// `decrypt_failed` (5): No key opens the stored ciphertext (PAS was not called).
pub const PAS_CAUSE_DECRYPT_FAILED: pas_cause = 5;
/// `pas_rejected` (6): PAS rejected the refresh token (4xx other than 408/429).
pub const PAS_CAUSE_PAS_REJECTED: pas_cause = 6;
/// `pas_unavailable` (7): PAS answered 5xx/408/429, or the network or the answer failed (fail-closed, S-L6).
pub const PAS_CAUSE_PAS_UNAVAILABLE: pas_cause = 7;
/// `sv_missing` (8): The refreshed access token carries no `sv` (or is not base64url JSON).
pub const PAS_CAUSE_SV_MISSING: pas_cause = 8;
/// `sv_invalid` (9): The refreshed `sv` is not a non-negative integer.
pub const PAS_CAUSE_SV_INVALID: pas_cause = 9;
/// `sv_regressed` (10): The refreshed `sv` is lower than the session's stored or the cached value.
pub const PAS_CAUSE_SV_REGRESSED: pas_cause = 10;
/// `encrypt_failed` (11): PAS rotated the refresh token but re-encrypting it failed.
pub const PAS_CAUSE_ENCRYPT_FAILED: pas_cause = 11;
/// `persist_failed` (12): The store failed to persist the new `sv` (the cache was left untouched).
pub const PAS_CAUSE_PERSIST_FAILED: pas_cause = 12;
/// `session_gone` (13): The session vanished between the persist and the re-fetch (logout race).
pub const PAS_CAUSE_SESSION_GONE: pas_cause = 13;

/// The session is dead: clear the cookie, send the user to log in. The preset value.
pub const PAS_DECISION_EXPIRED: pas_decision = 0;
/// The session is live.
pub const PAS_DECISION_AUTHENTICATED: pas_decision = 1;
/// No session id was presented (empty string).
pub const PAS_DECISION_NO_COOKIE: pas_decision = 2;

/// The callback succeeded (and, where asked, set its answer through the reply setter).
pub const PAS_STORE_OK: pas_store_result = 0;
/// Nothing there: no such session, no ciphertext, cache miss.
pub const PAS_STORE_NONE: pas_store_result = 1;
/// The store (or cache) failed.
pub const PAS_STORE_FAILED: pas_store_result = 2;

/// Look the session up: answer with `pas_session_check_feed_session`, `_feed_no_session` or
/// `_feed_store_failed`.
pub const PAS_STEP_FIND_SESSION: pas_step_kind = 1;
/// Load `cache_key` from the sv cache: `pas_session_check_feed_cache` (a cache error is a miss).
pub const PAS_STEP_LOAD_CACHE: pas_step_kind = 2;
/// Fetch the session's refresh-token ciphertext: `_feed_ciphertext`, `_feed_no_ciphertext` or
/// `_feed_store_failed`.
pub const PAS_STEP_FETCH_CIPHERTEXT: pas_step_kind = 3;
/// Refresh at PAS: always the core's own effect, `pas_session_check_refresh` (blocking).
pub const PAS_STEP_REFRESH_AT_PAS: pas_step_kind = 4;
/// Persist `sv` and, when present, `rotated_ciphertext` in one write: `_feed_persisted` or
/// `_feed_store_failed`.
pub const PAS_STEP_PERSIST: pas_step_kind = 5;
/// Record `sv` under `cache_key` for `ttl_s` seconds (best effort): `_feed_cache_recorded`.
pub const PAS_STEP_RECORD_CACHE: pas_step_kind = 6;
/// Re-fetch the session: as `PAS_STEP_FIND_SESSION`.
pub const PAS_STEP_REFETCH: pas_step_kind = 7;
/// The check is over: read it with `pas_session_check_result`.
pub const PAS_STEP_DONE: pas_step_kind = 8;

/// Ed25519 (the default and the only one PAS uses).
pub const PAS_ALG_EDDSA: pas_alg = 1;
/// ECDSA P-256 SHA-256.
pub const PAS_ALG_ES256: pas_alg = 2;
/// RSASSA-PKCS1-v1_5 SHA-256.
pub const PAS_ALG_RS256: pas_alg = 3;
/// RSASSA-PSS SHA-256.
pub const PAS_ALG_PS256: pas_alg = 4;

/// PAS honoured the refresh token: keep the session (persist `rotated_ciphertext` if set).
pub const PAS_LIVENESS_FRESH: pas_liveness = 1;
/// The session is dead (`cause` is `decrypt_failed` or `pas_rejected`): revoke it.
pub const PAS_LIVENESS_REVOKED: pas_liveness = 2;
/// Nothing learned (`pas_unavailable`, `encrypt_failed`): keep the session, retry later.
pub const PAS_LIVENESS_TRANSIENT: pas_liveness = 3;

/// Length of a generated PKCE code verifier (no NUL).
pub const PAS_PKCE_VERIFIER_LEN: usize = 64;
/// Longest PKCE code verifier RFC 7636 allows (no NUL).
pub const PAS_PKCE_VERIFIER_MAX_LEN: usize = 128;
/// Length of an S256 code challenge (no NUL).
pub const PAS_PKCE_CHALLENGE_LEN: usize = 43;
/// Length of a generated OAuth `state` (no NUL).
pub const PAS_STATE_LEN: usize = 22;
/// Length of a base64 refresh-token key (32 bytes, standard base64; no NUL).
pub const PAS_CIPHER_KEY_B64_LEN: usize = 44;

/// The NUL-terminated name of an `ErrorCode` number, "ok" for 0.
pub(crate) fn status_name(status: u32) -> &'static std::ffi::CStr {
    if status == PAS_STATUS_OK {
        return c"ok";
    }
    match ErrorCode::from_number(status) {
        Some(code) => static_cstr(code.as_str()),
        None => c"unknown",
    }
}

/// Leaks one NUL-terminated copy per distinct static name (bounded: the code and cause tables).
pub(crate) fn static_cstr(name: &'static str) -> &'static std::ffi::CStr {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static NAMES: OnceLock<Mutex<HashMap<&'static str, &'static std::ffi::CStr>>> = OnceLock::new();
    let mut map = NAMES.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(name).or_insert_with(|| {
        let owned = std::ffi::CString::new(name).unwrap_or_default();
        Box::leak(owned.into_boxed_c_str())
    })
}

pub(crate) fn cause_of(number: u32) -> Option<ExpiredCause> {
    ExpiredCause::ALL.iter().copied().find(|c| c.number() == number)
}

/// The stable name of a status, e.g. "token_expired"; "ok" for 0; "unknown" for a number that is
/// not a status.
///
/// Never blocks. Ownership: the string is static; never free it. Never NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_status_name(status: u32) -> *const c_char {
    boundary!(value = c"unknown".as_ptr(), { status_name(status).as_ptr() })
}

/// The stable name of an Expired cause, e.g. "pas_rejected"; "none" for 0; "unknown" otherwise.
///
/// Never blocks. Ownership: static; never free it. Never NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_cause_name(cause: u32) -> *const c_char {
    boundary!(value = c"unknown".as_ptr(), {
        if cause == PAS_CAUSE_NONE {
            return c"none".as_ptr();
        }
        match cause_of(cause) {
            Some(c) => static_cstr(c.as_str()).as_ptr(),
            None => c"unknown".as_ptr(),
        }
    })
}

/// The library version, e.g. "pas/0.1.0 (pas-core 0.1.0)".
///
/// Never blocks. Ownership: static; never free it. Never NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_version() -> *const c_char {
    boundary!(value = c"pas".as_ptr(), {
        concat!("pas/", env!("CARGO_PKG_VERSION"), " (pas-core ", env!("CARGO_PKG_VERSION"), ")\0").as_ptr().cast()
    })
}

/// The ABI version of the loaded library; a program compiled against a header whose
/// `PAS_ABI_VERSION` differs must not use it.
///
/// Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_abi_version() -> u32 {
    boundary!(value = PAS_ABI_VERSION, { PAS_ABI_VERSION })
}
