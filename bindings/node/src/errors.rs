//! Errors as JS sees them: `Error` objects whose `code` is the core's stable string.
//!
//! Every failure is created here, on the JS thread, from a `pas_core::Error`: `message` is the
//! core's detail (never a secret), `code` its `ErrorCode::as_str()`, plus `status`, `oauthError`
//! and `retryAfterMs` when PAS answered. The object is handed to napi as an `Unknown`, so a
//! rejected Promise and a thrown error are the very same object. Panics are caught by
//! [`guard`] and [`promise`] and become `code: "panic"` with a fixed message.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use pas_core::{Error as PasError, ErrorClass, ErrorCode};

/// Builds the JS error for a core error. Falls back to a plain napi error if the JS engine cannot
/// allocate one (the process is in trouble then anyway).
pub(crate) fn js_error(env: &Env, err: &PasError) -> napi::Error {
    build_js_error(env, err).unwrap_or_else(|fallback| fallback)
}

fn build_js_error(env: &Env, err: &PasError) -> std::result::Result<napi::Error, napi::Error> {
    let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, err.detail().to_owned()))?;
    obj.set_named_property("code", err.code().as_str())?;
    obj.set_named_property("errno", err.code().number())?;
    if let Some(status) = err.status() {
        obj.set_named_property("status", u32::from(status))?;
    }
    if let Some(oauth) = err.oauth_error() {
        obj.set_named_property("oauthError", oauth)?;
    }
    if let Some(retry) = err.retry_after() {
        obj.set_named_property("retryAfterMs", retry.as_millis() as f64)?;
    }
    Ok(napi::Error::from(obj.to_unknown()))
}

/// A core error from a code and a static detail.
pub(crate) fn pas_err(code: ErrorCode, detail: &'static str) -> PasError {
    PasError::new(code, detail)
}

/// Runs a synchronous export body with panic containment: a panic becomes `code: "panic"`.
pub(crate) fn guard<T>(env: &Env, body: impl FnOnce() -> std::result::Result<T, PasError>) -> napi::Result<T> {
    match std::panic::catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(js_error(env, &err)),
        Err(_) => Err(js_error(env, &PasError::from_code(ErrorCode::Panic))),
    }
}

/// Runs `fut` on the pas tokio runtime and returns its Promise. A core error rejects with the
/// coded JS error; a panic inside the future rejects with `code: "panic"`.
pub(crate) fn promise<'env, T, F>(env: &'env Env, fut: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = std::result::Result<T, PasError>> + Send + 'static,
{
    let fut = AssertUnwindSafe(fut)
        .catch_unwind()
        .map(|caught| Ok(caught.unwrap_or_else(|_| Err(PasError::from_code(ErrorCode::Panic)))));
    env.spawn_future_with_callback(fut, |env, result| result.map_err(|err| js_error(env, &err)))
}

/// Every stable error code of pas. `err.code` of a pas error is always one of these strings; the
/// list is the core's table (`pas_core::ErrorCode::ALL`), checked by a unit test.
#[napi(string_enum)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub enum PasErrorCode {
    /// An argument was invalid (empty, out of range, wrong shape).
    invalid_argument,
    /// A required argument was missing.
    null_argument,
    /// Input bytes were not valid UTF-8.
    invalid_utf8,
    /// A caller buffer was too small (C ABI only).
    buffer_too_small,
    /// The configuration is incomplete or inconsistent.
    invalid_config,
    /// A URL did not parse or is not http(s) (http only on loopback).
    invalid_url,
    /// A PKCE code verifier is not 43-128 unreserved characters.
    invalid_verifier,
    /// The OpenID discovery document could not be fetched or is unusable.
    discovery_failed,
    /// A blocking call was made from inside a pas runtime thread.
    would_deadlock,
    /// A Rust panic was caught at the boundary (a bug in pas; the process keeps running).
    panic,
    /// An internal invariant failed (a bug in pas).
    internal,
    /// The runtime could not be created, has shut down, or the object was closed.
    runtime_unavailable,
    /// PAS rejected the request (4xx other than 408/429): the credential is dead.
    pas_rejected,
    /// PAS answered 5xx, 408 or 429: degraded, retry later.
    pas_server_error,
    /// The request did not complete (connect error, TLS, DNS, dropped connection, redirect).
    pas_transport,
    /// The request timed out.
    pas_timeout,
    /// PAS answered 2xx with a body that is not the expected JSON.
    pas_bad_response,
    /// The token is not a well-formed compact JWS.
    token_malformed,
    /// The token is larger than the size cap.
    token_too_large,
    /// The token's `alg` is not on the allow-list (never `none` or HMAC).
    alg_not_allowed,
    /// The token's `typ` header is not `at+jwt`.
    typ_invalid,
    /// The header carries a parameter that is not allowed.
    header_invalid,
    /// No key with the token's `kid` is known, even after a refetch.
    kid_unknown,
    /// The signature does not verify.
    signature_invalid,
    /// `exp` is in the past (beyond the leeway).
    token_expired,
    /// `nbf` is in the future (beyond the leeway).
    token_not_yet_valid,
    /// `iat` is in the future (beyond the leeway).
    iat_in_future,
    /// `exp - iat` exceeds 24 h.
    lifetime_too_long,
    /// `iss` is missing or not the expected issuer.
    issuer_invalid,
    /// `aud` is missing or does not contain the expected audience.
    audience_invalid,
    /// A required claim is missing.
    claim_missing,
    /// A claim has the wrong type or value.
    claim_invalid,
    /// The `pas` profile requires `cat = access`.
    category_invalid,
    /// No key set is available.
    jwks_unavailable,
    /// A JWKS document is not valid.
    jwks_invalid,
    /// The refresh-token key is not valid base64.
    key_invalid,
    /// The refresh-token key is not 32 bytes.
    key_wrong_length,
    /// Encryption failed.
    encrypt_failed,
    /// The stored ciphertext is not valid base64.
    ciphertext_malformed,
    /// The stored ciphertext is shorter than nonce plus tag.
    ciphertext_truncated,
    /// Authentication failed (wrong key, tampering) or the plaintext is not UTF-8.
    decrypt_failed,
    /// The host's session store failed on the first lookup or on the re-fetch.
    store_failed,
    /// A step-by-step session check was fed out of order.
    invalid_state,
}

/// One row of the core's error table.
#[napi(object)]
#[derive(Debug)]
pub struct ErrorCodeInfo {
    /// The stable string (`err.code`).
    #[napi(ts_type = "PasErrorCode")]
    pub code: String,
    /// The fixed number (`err.errno`, the C ABI's `PAS_STATUS_*`).
    pub number: u32,
    /// The family: `invalid_input`, `runtime`, `rejected`, `unavailable`, `timeout`, `token`,
    /// `crypto` or `session`.
    pub class: String,
    /// A one-line description, safe to show.
    pub summary: String,
}

fn class_name(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::InvalidInput => "invalid_input",
        ErrorClass::Runtime => "runtime",
        ErrorClass::Rejected => "rejected",
        ErrorClass::Unavailable => "unavailable",
        ErrorClass::Timeout => "timeout",
        ErrorClass::Token => "token",
        ErrorClass::Crypto => "crypto",
        ErrorClass::Session => "session",
        _ => "runtime",
    }
}

/// The core's error table, in numeric order: every `code` a pas error can carry.
#[napi(catch_unwind)]
pub fn error_codes() -> Vec<ErrorCodeInfo> {
    ErrorCode::ALL
        .iter()
        .map(|code| ErrorCodeInfo {
            code: code.as_str().to_owned(),
            number: code.number(),
            class: class_name(code.class()).to_owned(),
            summary: code.summary().to_owned(),
        })
        .collect()
}

/// Whether `value` is an error thrown or rejected by pas: an `Error` whose `code` is one of the
/// core's codes (see [`errorCodes`]).
#[napi(catch_unwind, ts_args_type = "value: unknown", ts_return_type = "value is PasError")]
pub fn is_pas_error(value: Unknown<'_>) -> bool {
    is_pas_error_inner(value).unwrap_or(false)
}

fn is_pas_error_inner(value: Unknown<'_>) -> napi::Result<bool> {
    if value.get_type()? != ValueType::Object || !value.is_error()? {
        return Ok(false);
    }
    let obj = Object::from_unknown(value)?;
    let code: Unknown = obj.get_named_property("code")?;
    if code.get_type()? != ValueType::String {
        return Ok(false);
    }
    let code: String = String::from_unknown(code)?;
    Ok(ErrorCode::from_name(&code).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JS union `PasErrorCode` and the core table must name the same codes, in the same order.
    #[test]
    fn js_code_union_matches_the_core_table() {
        let source = include_str!("errors.rs");
        let start = source.find("pub enum PasErrorCode {").unwrap_or(0);
        let body = &source[start..];
        let end = body.find("\n}").unwrap_or(body.len());
        let names: Vec<&str> = body[..end]
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("///") && l.ends_with(','))
            .map(|l| l.trim_end_matches(','))
            .collect();
        let core: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, core);
    }
}
