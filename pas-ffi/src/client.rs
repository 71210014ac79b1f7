//! The client handle: configuration, the owned tokio runtime and HTTP client; authorization
//! requests, code exchange, refresh and the liveness refresh.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use pas_core::liveness::{LivenessOutcome, attempt_liveness_refresh};
use pas_core::rt::OwnedRuntime;
use pas_core::{AuthorizationRequest, EncryptedRefreshToken, Error, PasClient, PasConfig, SecretString, TokenResponse};

use crate::codes::{PAS_LIVENESS_FRESH, PAS_LIVENESS_REVOKED, PAS_LIVENESS_TRANSIENT, pas_liveness, pas_status};
use crate::crypto::pas_cipher;
use crate::error::pas_error;
use crate::ffi::{handle, into_handle, out, pas_bytes, pas_str, put, str_in};

/// A PAS client: its configuration, its own tokio runtime (2 worker threads named `pas-rt`,
/// started on the first network call) and its HTTP connection pool.
///
/// Thread-safe: one handle may be used from many threads at once (share one per process).
/// Blocking calls must not be made from a pas runtime thread (they return WOULD_DEADLOCK).
/// Free with `pas_client_free` once no call uses it; validators made from it keep what they
/// need alive.
pub struct pas_client {
    pub(crate) client: PasClient,
    pub(crate) rt: Arc<OwnedRuntime>,
}

impl std::fmt::Debug for pas_client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.client.fmt(f)
    }
}

/// Creates a client for PAS at `base_url` (endpoints `{base}/oauth/authorize`, `/oauth/token`,
/// `/oauth/userinfo`, `/.well-known/jwks.json`; issuer `base_url`; scopes `openid profile`).
/// `timeout_ms` is the whole-request timeout (0 = default 10 s; connect timeout 5 s or less).
///
/// Never blocks (no network, the runtime starts lazily). Ownership: on OK `*out_client` is a
/// new handle owned by the caller (`pas_client_free`); strings are copied. Statuses: OK,
/// NULL_ARGUMENT, INVALID_UTF8, INVALID_CONFIG (empty client id), INVALID_URL (base URL must be
/// https, or http to loopback; redirect URI absolute without fragment).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_new(
    client_id: *const c_char,
    client_id_len: usize,
    redirect_uri: *const c_char,
    redirect_uri_len: usize,
    base_url: *const c_char,
    base_url_len: usize,
    timeout_ms: u32,
    out_client: *mut *mut pas_client,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        let out_client = out(out_client, "out_client")?;
        // SAFETY: pointer + length per the documented contract (three times).
        let (client_id, redirect_uri, base_url) = unsafe {
            (
                str_in(client_id, client_id_len, "client_id")?,
                str_in(redirect_uri, redirect_uri_len, "redirect_uri")?,
                str_in(base_url, base_url_len, "base_url")?,
            )
        };
        let mut config = PasConfig::new(client_id, redirect_uri, base_url)?;
        if timeout_ms > 0 {
            let t = Duration::from_millis(u64::from(timeout_ms));
            config = config.with_request_timeout(t).with_connect_timeout(t.min(Duration::from_secs(5)));
        }
        let client = PasClient::new(config)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_client, into_handle(pas_client { client, rt: Arc::new(OwnedRuntime::new(2)) })) };
        Ok(())
    })
}

/// Frees a client. Its runtime shuts down (waiting up to 1 s for in-flight work) unless a
/// validator made from it still holds it. NULL is a no-op.
///
/// May block up to 1 s. Ownership: takes `client` back. Must not be called while another thread
/// is inside a call on the same handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_free(client: *mut pas_client) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle made by pas_client_new, not yet freed.
        unsafe { crate::ffi::free_handle(client) }
    })
}

/// An authorization request: the URL to send the browser to, its `state` and PKCE verifier.
/// Keep `state` and the verifier server-side until the callback. Not thread-safe to free while
/// read; free with `pas_auth_request_free` (the verifier is zeroized).
pub struct pas_auth_request {
    req: AuthorizationRequest,
    url: String,
}

impl std::fmt::Debug for pas_auth_request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.req.fmt(f)
    }
}

/// A fresh authorization request (new 128-bit state, new 64-character verifier, S256 challenge).
///
/// Never blocks. Ownership: on OK `*out_request` is owned by the caller
/// (`pas_auth_request_free`). Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_authorization_request(
    client: *const pas_client,
    out_request: *mut *mut pas_auth_request,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let client = unsafe { handle(client, "client") }?;
        let out_request = out(out_request, "out_request")?;
        let req = client.client.config().authorization_request()?;
        let url = req.url.to_string();
        // SAFETY: checked out-pointer.
        unsafe { put(out_request, into_handle(pas_auth_request { req, url })) };
        Ok(())
    })
}

/// An authorization request with a caller-given verifier and state (deterministic).
///
/// Never blocks. Ownership: as `pas_client_authorization_request`. Statuses: OK, NULL_ARGUMENT,
/// INVALID_UTF8, INVALID_VERIFIER, INVALID_ARGUMENT (state empty or over 512 bytes).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_authorization_request_with(
    client: *const pas_client,
    verifier: *const c_char,
    verifier_len: usize,
    state: *const c_char,
    state_len: usize,
    out_request: *mut *mut pas_auth_request,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let client = unsafe { handle(client, "client") }?;
        let out_request = out(out_request, "out_request")?;
        // SAFETY: pointer + length per the documented contract.
        let (verifier, state) =
            unsafe { (str_in(verifier, verifier_len, "verifier")?, str_in(state, state_len, "state")?) };
        let req = client.client.config().authorization_request_with(verifier, state)?;
        let url = req.url.to_string();
        // SAFETY: checked out-pointer.
        unsafe { put(out_request, into_handle(pas_auth_request { req, url })) };
        Ok(())
    })
}

/// Which part of an authorization request to read.
fn auth_part(req: &pas_auth_request, part: u8) -> &str {
    match part {
        0 => &req.url,
        1 => &req.req.state,
        _ => req.req.code_verifier.expose(),
    }
}

unsafe fn auth_view(request: *const pas_auth_request, part: u8, out_view: *mut pas_str) -> Result<(), Error> {
    // SAFETY: NULL or a live handle.
    let req = unsafe { handle(request, "request") }?;
    let out_view = out(out_view, "out_view")?;
    // SAFETY: checked out-pointer.
    unsafe { put(out_view, pas_str::of(auth_part(req, part))) };
    Ok(())
}

/// The authorization URL. Never blocks. Ownership: borrowed; valid until
/// `pas_auth_request_free(request)`. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_auth_request_url(request: *const pas_auth_request, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { auth_view(request, 0, out_view) } })
}

/// The `state` value. Never blocks. Ownership: borrowed, as `pas_auth_request_url`.
/// Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_auth_request_state(
    request: *const pas_auth_request,
    out_view: *mut pas_str,
) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { auth_view(request, 1, out_view) } })
}

/// The PKCE code verifier (secret until the code exchange). Never blocks. Ownership: borrowed,
/// as `pas_auth_request_url`; zeroized by `pas_auth_request_free`. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_auth_request_code_verifier(
    request: *const pas_auth_request,
    out_view: *mut pas_str,
) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { auth_view(request, 2, out_view) } })
}

/// Frees an authorization request (the verifier is zeroized). NULL is a no-op. Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_auth_request_free(request: *mut pas_auth_request) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(request) }
    })
}

/// A token-endpoint answer. Tokens are secrets, zeroized by `pas_tokens_free`.
pub struct pas_tokens {
    tokens: TokenResponse,
}

impl std::fmt::Debug for pas_tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.tokens.fmt(f)
    }
}

fn block_on<F: std::future::Future>(client: &pas_client, fut: F) -> Result<F::Output, Error> {
    client.rt.block_on(fut)
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
///
/// **Blocks** on network I/O (up to the client's timeout); never call it from a pas runtime
/// thread (WOULD_DEADLOCK). Thread-safe. Ownership: on OK `*out_tokens` is owned by the caller
/// (`pas_tokens_free`). Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, WOULD_DEADLOCK,
/// RUNTIME_UNAVAILABLE, PAS_REJECTED (4xx; the error object holds the HTTP status and OAuth
/// code), PAS_SERVER_ERROR (5xx/408/429, with Retry-After), PAS_TRANSPORT, PAS_TIMEOUT,
/// PAS_BAD_RESPONSE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_exchange_code(
    client: *const pas_client,
    code: *const c_char,
    code_len: usize,
    code_verifier: *const c_char,
    code_verifier_len: usize,
    out_tokens: *mut *mut pas_tokens,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let client = unsafe { handle(client, "client") }?;
        let out_tokens = out(out_tokens, "out_tokens")?;
        // SAFETY: pointer + length per the documented contract.
        let (code, verifier) =
            unsafe { (str_in(code, code_len, "code")?, str_in(code_verifier, code_verifier_len, "code_verifier")?) };
        let tokens = block_on(client, client.client.exchange_code(code, verifier))??;
        // SAFETY: checked out-pointer.
        unsafe { put(out_tokens, into_handle(pas_tokens { tokens })) };
        Ok(())
    })
}

/// Refreshes a (plaintext) refresh token at PAS.
///
/// **Blocks** on network I/O; as `pas_client_exchange_code` for thread rules, ownership and
/// statuses.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_refresh(
    client: *const pas_client,
    refresh_token: *const c_char,
    refresh_token_len: usize,
    out_tokens: *mut *mut pas_tokens,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let client = unsafe { handle(client, "client") }?;
        let out_tokens = out(out_tokens, "out_tokens")?;
        // SAFETY: pointer + length per the documented contract.
        let rt = SecretString::new(unsafe { str_in(refresh_token, refresh_token_len, "refresh_token") }?);
        let tokens = block_on(client, client.client.refresh(&rt))??;
        // SAFETY: checked out-pointer.
        unsafe { put(out_tokens, into_handle(pas_tokens { tokens })) };
        Ok(())
    })
}

unsafe fn tokens_view(tokens: *const pas_tokens, part: u8, out_view: *mut pas_str) -> Result<(), Error> {
    // SAFETY: NULL or a live handle.
    let t = &unsafe { handle(tokens, "tokens") }?.tokens;
    let out_view = out(out_view, "out_view")?;
    let view = match part {
        0 => pas_str::of(t.access_token.expose()),
        1 => pas_str::of_opt(t.refresh_token.as_ref().map(SecretString::expose)),
        2 => pas_str::of_opt(t.id_token.as_ref().map(SecretString::expose)),
        3 => pas_str::of(&t.token_type),
        _ => pas_str::of_opt(t.scope.as_deref()),
    };
    // SAFETY: checked out-pointer.
    unsafe { put(out_view, view) };
    Ok(())
}

/// The access token. Never blocks. Ownership: borrowed; valid until `pas_tokens_free(tokens)`.
/// Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_access_token(tokens: *const pas_tokens, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { tokens_view(tokens, 0, out_view) } })
}

/// The refresh token, `data == NULL` when PAS sent none. As `pas_tokens_access_token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_refresh_token(tokens: *const pas_tokens, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { tokens_view(tokens, 1, out_view) } })
}

/// The ID token, `data == NULL` when PAS sent none. As `pas_tokens_access_token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_id_token(tokens: *const pas_tokens, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { tokens_view(tokens, 2, out_view) } })
}

/// The token type ("Bearer" in any case). As `pas_tokens_access_token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_token_type(tokens: *const pas_tokens, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { tokens_view(tokens, 3, out_view) } })
}

/// The granted scopes, `data == NULL` when PAS did not say. As `pas_tokens_access_token`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_scope(tokens: *const pas_tokens, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { tokens_view(tokens, 4, out_view) } })
}

/// `expires_in` in seconds, or -1 when PAS did not say. Never blocks. Statuses: OK,
/// NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_expires_in(tokens: *const pas_tokens, out_seconds: *mut i64) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let t = &unsafe { handle(tokens, "tokens") }?.tokens;
        let out_seconds = out(out_seconds, "out_seconds")?;
        let v = t.expires_in.map_or(-1, |s| i64::try_from(s).unwrap_or(i64::MAX));
        // SAFETY: checked out-pointer.
        unsafe { put(out_seconds, v) };
        Ok(())
    })
}

/// Frees a token answer (tokens are zeroized). NULL is a no-op. Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_tokens_free(tokens: *mut pas_tokens) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(tokens) }
    })
}

/// The result of a liveness refresh.
#[repr(C)]
#[derive(Debug)]
pub struct pas_liveness_result {
    /// `PAS_LIVENESS_FRESH`, `_REVOKED` or `_TRANSIENT`.
    pub outcome: pas_liveness,
    /// Static name of the cause ("decrypt_failed", "pas_rejected", "pas_unavailable",
    /// "encrypt_failed"), NULL when fresh. Never free it.
    pub cause: *const c_char,
    /// HTTP status PAS answered with (REVOKED by PAS), else 0.
    pub http_status: u16,
    /// PAS's Retry-After in milliseconds (TRANSIENT), else -1.
    pub retry_after_ms: i64,
    /// The re-encrypted rotated refresh token (FRESH, when PAS rotated it): owned by the caller,
    /// free with `pas_bytes_free`; `data == NULL` when not rotated.
    pub rotated_ciphertext: pas_bytes,
}

/// The fail-open liveness refresh: decrypts the stored refresh token with `cipher`, refreshes it
/// at PAS and classifies the answer (FRESH: keep, persist the rotated ciphertext if any;
/// REVOKED: drop the session; TRANSIENT: keep and retry later).
///
/// **Blocks** on network I/O; never from a pas runtime thread. Thread-safe. Ownership: on OK
/// `*out_result` is written and its `rotated_ciphertext` is owned by the caller. Statuses: OK
/// (every PAS outcome is a result, not a status), NULL_ARGUMENT, INVALID_UTF8, WOULD_DEADLOCK,
/// RUNTIME_UNAVAILABLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_client_liveness_refresh(
    client: *const pas_client,
    cipher: *const pas_cipher,
    ciphertext: *const c_char,
    ciphertext_len: usize,
    out_result: *mut pas_liveness_result,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or live handles.
        let (client, cipher) = unsafe { (handle(client, "client")?, handle(cipher, "cipher")?) };
        let out_result = out(out_result, "out_result")?;
        // SAFETY: pointer + length per the documented contract.
        let stored = EncryptedRefreshToken::from_stored(unsafe { str_in(ciphertext, ciphertext_len, "ciphertext") }?);
        let outcome = block_on(client, attempt_liveness_refresh(&client.client, &cipher.cipher, &stored))?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_result, liveness_result(&outcome)) };
        Ok(())
    })
}

pub(crate) fn liveness_result(outcome: &LivenessOutcome) -> pas_liveness_result {
    let mut r = pas_liveness_result {
        outcome: PAS_LIVENESS_FRESH,
        cause: std::ptr::null(),
        http_status: 0,
        retry_after_ms: -1,
        rotated_ciphertext: pas_bytes::EMPTY,
    };
    match outcome {
        LivenessOutcome::Fresh { rotated_ciphertext } => {
            if let Some(ct) = rotated_ciphertext {
                r.rotated_ciphertext = pas_bytes::copy_of(ct.as_str().as_bytes());
            }
        }
        LivenessOutcome::Revoked { cause, status } => {
            r.outcome = PAS_LIVENESS_REVOKED;
            r.cause = crate::codes::static_cstr(cause.as_str()).as_ptr();
            r.http_status = status.unwrap_or(0);
        }
        LivenessOutcome::Transient { cause, retry_after } => {
            r.outcome = PAS_LIVENESS_TRANSIENT;
            r.cause = crate::codes::static_cstr(cause.as_str()).as_ptr();
            r.retry_after_ms = retry_after.map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        }
        _ => {
            r.outcome = PAS_LIVENESS_TRANSIENT;
        }
    }
    r
}
