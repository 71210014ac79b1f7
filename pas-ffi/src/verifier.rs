//! Access-token verification: the builder, the verifier and the claims handle.

use std::ffi::c_char;
use std::sync::Arc;
use std::time::Duration;

use pas_core::http::HttpOptions;
use pas_core::jwt::{Algorithm, Profile, VerifiedToken, Verifier, VerifierBuilder};
use pas_core::rt::OwnedRuntime;
use pas_core::{Error, ErrorCode};

use crate::codes::{PAS_ALG_EDDSA, PAS_ALG_ES256, PAS_ALG_PS256, PAS_ALG_RS256, pas_alg, pas_status};
use crate::error::pas_error;
use crate::ffi::{handle, handle_mut, into_handle, out, pas_str, put, str_in};

/// A verifier under construction. Not thread-safe. Consumed by `pas_verifier_builder_build`
/// (even when it fails); otherwise free it with `pas_verifier_builder_free`.
pub struct pas_verifier_builder {
    builder: Option<VerifierBuilder>,
}

impl std::fmt::Debug for pas_verifier_builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.builder.fmt(f)
    }
}

/// A verifier of PAS access tokens (RFC 9068 JWTs): its key set (static, or fetched from a JWKS
/// URL and cached) and, for a URL, its own runtime (1 thread, started on the first fetch).
/// Thread-safe: share one per process.
pub struct pas_verifier {
    verifier: Verifier,
    rt: Arc<OwnedRuntime>,
}

impl std::fmt::Debug for pas_verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.verifier.fmt(f)
    }
}

/// The claims of a verified token. Read-only and thread-safe; free with `pas_claims_free`.
pub struct pas_claims {
    token: VerifiedToken,
}

impl std::fmt::Debug for pas_claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.token.fmt(f)
    }
}

fn alg_of(alg: pas_alg) -> Option<Algorithm> {
    match alg {
        PAS_ALG_EDDSA => Some(Algorithm::EdDSA),
        PAS_ALG_ES256 => Some(Algorithm::ES256),
        PAS_ALG_RS256 => Some(Algorithm::RS256),
        PAS_ALG_PS256 => Some(Algorithm::PS256),
        _ => None,
    }
}

fn alg_number(alg: Algorithm) -> pas_alg {
    match alg {
        Algorithm::ES256 => PAS_ALG_ES256,
        Algorithm::RS256 => PAS_ALG_RS256,
        Algorithm::PS256 => PAS_ALG_PS256,
        _ => PAS_ALG_EDDSA,
    }
}

/// Starts a verifier for tokens from `issuer` (compared byte for byte with `iss`) for
/// `audience` (your client id, must be in `aud`). Defaults: EdDSA only, leeway 60 s, profile
/// RFC 9068, `typ` must be `at+jwt`. Exactly one key source must be set before building.
///
/// Never blocks. Ownership: on OK `*out_builder` is owned by the caller. Statuses: OK,
/// NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_new(
    issuer: *const c_char,
    issuer_len: usize,
    audience: *const c_char,
    audience_len: usize,
    out_builder: *mut *mut pas_verifier_builder,
) -> pas_status {
    boundary!(status, {
        let out_builder = out(out_builder, "out_builder")?;
        // SAFETY: pointer + length per the documented contract.
        let (issuer, audience) =
            unsafe { (str_in(issuer, issuer_len, "issuer")?, str_in(audience, audience_len, "audience")?) };
        let builder = Verifier::builder(issuer, audience);
        // SAFETY: checked out-pointer.
        unsafe { put(out_builder, into_handle(pas_verifier_builder { builder: Some(builder) })) };
        Ok(())
    })
}

/// Applies `f` to the builder (which must not have been built).
unsafe fn edit(
    builder: *mut pas_verifier_builder,
    f: impl FnOnce(VerifierBuilder) -> Result<VerifierBuilder, Error>,
) -> Result<(), Error> {
    // SAFETY: NULL or a live, unshared builder.
    let b = unsafe { handle_mut(builder, "builder") }?;
    let inner = b.builder.take().ok_or_else(|| Error::new(ErrorCode::InvalidState, "the builder was consumed"))?;
    // On failure the builder keeps its previous settings.
    let kept = inner.clone();
    match f(inner) {
        Ok(next) => {
            b.builder = Some(next);
            Ok(())
        }
        Err(e) => {
            b.builder = Some(kept);
            Err(e)
        }
    }
}

/// Adds an algorithm (`PAS_ALG_*`) to the allow-list, which starts as EdDSA only. HMAC and
/// `none` do not exist here.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (unknown number).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_allow_alg(builder: *mut pas_verifier_builder, alg: u32) -> pas_status {
    boundary!(status, {
        // SAFETY: forwarded contract.
        unsafe {
            edit(builder, |b| {
                let alg = alg_of(alg).ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "unknown algorithm"))?;
                Ok(b.allow_algorithm(alg))
            })
        }
    })
}

/// Replaces the allow-list with `algs[0..n_algs]` (`PAS_ALG_*`), for a verifier that must not
/// accept EdDSA (e.g. ES256 only). `algs` may be NULL when `n_algs` is 0; an empty list is
/// refused by build (INVALID_CONFIG).
///
/// Never blocks. Ownership: the array is only read during the call. Statuses: OK,
/// NULL_ARGUMENT, INVALID_ARGUMENT (an unknown number; the builder keeps its previous list).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_set_algs(
    builder: *mut pas_verifier_builder,
    algs: *const u32,
    n_algs: usize,
) -> pas_status {
    boundary!(status, {
        let algs: &[u32] = if n_algs == 0 {
            &[]
        } else if algs.is_null() {
            return Err(crate::ffi::null("algs"));
        } else {
            // SAFETY: `algs` holds `n_algs` elements by the documented contract.
            unsafe { std::slice::from_raw_parts(algs, n_algs) }
        };
        let list = algs
            .iter()
            .map(|a| alg_of(*a).ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "unknown algorithm")))
            .collect::<Result<Vec<_>, _>>()?;
        // SAFETY: forwarded contract.
        unsafe { edit(builder, |b| Ok(b.algorithms(&list))) }
    })
}

/// Sets the clock leeway for `exp`/`nbf`/`iat` in seconds (0-300, checked by build).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_set_leeway_s(
    builder: *mut pas_verifier_builder,
    seconds: u32,
) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { edit(builder, |b| Ok(b.leeway(Duration::from_secs(u64::from(seconds))))) } })
}

/// Selects the PAS profile (`pas` = 1: header allow-list and `cat = access`) or RFC 9068 (0,
/// the default).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_ARGUMENT (other values).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_set_pas_profile(
    builder: *mut pas_verifier_builder,
    pas_profile: u32,
) -> pas_status {
    boundary!(status, {
        // SAFETY: forwarded contract.
        unsafe {
            edit(builder, |b| match pas_profile {
                0 => Ok(b.profile(Profile::Rfc9068)),
                1 => Ok(b.profile(Profile::Pas)),
                _ => Err(Error::new(ErrorCode::InvalidArgument, "profile must be 0 or 1")),
            })
        }
    })
}

/// Uses a static key set given as a JWKS document (`{"keys":[...]}`), parsed by build.
///
/// Never blocks. Ownership: the JSON is copied. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_jwks_json(
    builder: *mut pas_verifier_builder,
    json: *const c_char,
    json_len: usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: pointer + length per the documented contract.
        let json = unsafe { str_in(json, json_len, "json") }?;
        // SAFETY: forwarded contract.
        unsafe { edit(builder, |b| Ok(b.jwks_json(json))) }
    })
}

/// Fetches keys from a JWKS URL (https, or http to loopback), lazily on first verification,
/// with `timeout_ms` per request (0 = default 10 s) and at most one fetch per
/// `min_refetch_ms` (0 = default 30 s).
///
/// Never blocks. Ownership: the URL is copied. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_jwks_url(
    builder: *mut pas_verifier_builder,
    url: *const c_char,
    url_len: usize,
    timeout_ms: u32,
    min_refetch_ms: u32,
) -> pas_status {
    boundary!(status, {
        // SAFETY: pointer + length per the documented contract.
        let url = unsafe { str_in(url, url_len, "url") }?;
        let mut http = HttpOptions::default();
        if timeout_ms > 0 {
            http.request_timeout = Duration::from_millis(u64::from(timeout_ms));
            http.connect_timeout = http.request_timeout.min(http.connect_timeout);
        }
        // SAFETY: forwarded contract.
        unsafe {
            edit(builder, |b| {
                let b = b.jwks_url(url, http);
                Ok(if min_refetch_ms > 0 {
                    b.min_refetch_interval(Duration::from_millis(u64::from(min_refetch_ms)))
                } else {
                    b
                })
            })
        }
    })
}

/// Builds the verifier. **Consumes `builder` even on failure** (do not free it afterwards).
///
/// Never blocks (no network). Ownership: on OK `*out_verifier` is owned by the caller
/// (`pas_verifier_free`). Statuses: OK, NULL_ARGUMENT, INVALID_STATE (builder already built),
/// INVALID_CONFIG (empty issuer/audience, leeway over 300, no or two key sources), INVALID_URL,
/// JWKS_INVALID (static set with no usable key).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_build(
    builder: *mut pas_verifier_builder,
    out_verifier: *mut *mut pas_verifier,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        if builder.is_null() {
            return Err(crate::ffi::null("builder"));
        }
        // SAFETY: a live builder made by pas_verifier_builder_new; consumed here in every case.
        let owned = unsafe { Box::from_raw(builder) };
        let out_verifier = out(out_verifier, "out_verifier")?;
        let inner = owned.builder.ok_or_else(|| Error::new(ErrorCode::InvalidState, "the builder was consumed"))?;
        let verifier = inner.build()?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_verifier, into_handle(pas_verifier { verifier, rt: Arc::new(OwnedRuntime::new(1)) })) };
        Ok(())
    })
}

/// Frees a builder that was not built. NULL is a no-op. Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_builder_free(builder: *mut pas_verifier_builder) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed or built.
        unsafe { crate::ffi::free_handle(builder) }
    })
}

/// Frees a verifier (and its runtime, waiting up to 1 s). NULL is a no-op. Must not be called
/// while another thread is inside a call on it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_free(verifier: *mut pas_verifier) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(verifier) }
    })
}

unsafe fn verify_with(
    verifier: *const pas_verifier,
    token: *const c_char,
    token_len: usize,
    out_claims: *mut *mut pas_claims,
    f: impl FnOnce(&pas_verifier, &str) -> Result<VerifiedToken, Error>,
) -> Result<(), Error> {
    // SAFETY: NULL or a live handle.
    let v = unsafe { handle(verifier, "verifier") }?;
    let out_claims = out(out_claims, "out_claims")?;
    // SAFETY: pointer + length per the documented contract.
    let token = unsafe { str_in(token, token_len, "token") }?;
    let token = f(v, token)?;
    // SAFETY: checked out-pointer.
    unsafe { put(out_claims, into_handle(pas_claims { token })) };
    Ok(())
}

/// Verifies an access token and returns its claims.
///
/// **May block**: for a JWKS-URL verifier, the first call, an expired key set or an unknown
/// `kid` fetch the JWKS (at most once per refetch interval, within the timeout); never from a
/// pas runtime thread. With a static key set it never blocks. Thread-safe. Ownership: on OK
/// `*out_claims` is owned by the caller (`pas_claims_free`). Statuses: OK, NULL_ARGUMENT,
/// INVALID_UTF8, WOULD_DEADLOCK, RUNTIME_UNAVAILABLE, and the token statuses 400-417
/// (TOKEN_MALFORMED ... JWKS_INVALID).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_verify(
    verifier: *const pas_verifier,
    token: *const c_char,
    token_len: usize,
    out_claims: *mut *mut pas_claims,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: forwarded contract.
        unsafe { verify_with(verifier, token, token_len, out_claims, |v, t| v.rt.block_on(v.verifier.verify(t))?) }
    })
}

/// Verifies with the keys in hand only, never touching the network (unknown `kid` →
/// KID_UNKNOWN, no key set yet → JWKS_UNAVAILABLE). `now_unix_s` = 0 means the current time;
/// any other value is the clock to check `exp`/`nbf`/`iat` against (tests).
///
/// Never blocks. Thread-safe. Ownership and statuses as `pas_verifier_verify` (without
/// WOULD_DEADLOCK).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_verifier_verify_cached(
    verifier: *const pas_verifier,
    token: *const c_char,
    token_len: usize,
    now_unix_s: u64,
    out_claims: *mut *mut pas_claims,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: forwarded contract.
        unsafe {
            verify_with(verifier, token, token_len, out_claims, |v, t| {
                if now_unix_s == 0 { v.verifier.verify_cached(t) } else { v.verifier.verify_cached_at(t, now_unix_s) }
            })
        }
    })
}

/// Frees claims. NULL is a no-op. Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_free(claims: *mut pas_claims) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(claims) }
    })
}

unsafe fn claims_str(
    claims: *const pas_claims,
    out_view: *mut pas_str,
    f: impl FnOnce(&VerifiedToken) -> pas_str,
) -> Result<(), Error> {
    // SAFETY: NULL or a live handle.
    let c = unsafe { handle(claims, "claims") }?;
    let out_view = out(out_view, "out_view")?;
    // SAFETY: checked out-pointer.
    unsafe { put(out_view, f(&c.token)) };
    Ok(())
}

/// `sub` (the ppnum id). Never blocks. Ownership: borrowed; valid until
/// `pas_claims_free(claims)`. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_subject(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of(t.subject())) } })
}

/// `iss`. As `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_issuer(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of(t.issuer())) } })
}

/// `client_id`. As `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_client_id(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of(t.client_id())) } })
}

/// `jti`. As `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_jwt_id(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of(t.jwt_id())) } })
}

/// `sid`, `data == NULL` when absent. As `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_session_id(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of_opt(t.session_id())) } })
}

/// The header `kid`, `data == NULL` when absent. As `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_key_id(claims: *const pas_claims, out_view: *mut pas_str) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { claims_str(claims, out_view, |t| pas_str::of_opt(t.key_id())) } })
}

/// The `index`-th scope of `scope` (split on spaces). Statuses: OK, NULL_ARGUMENT,
/// INVALID_ARGUMENT (index out of range). Ownership: borrowed, as `pas_claims_subject`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_scope_at(
    claims: *const pas_claims,
    index: usize,
    out_view: *mut pas_str,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let c = unsafe { handle(claims, "claims") }?;
        let out_view = out(out_view, "out_view")?;
        let s = c.token.scopes().get(index).ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "index"))?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_view, pas_str::of(s)) };
        Ok(())
    })
}

/// The `index`-th audience of `aud`. As `pas_claims_scope_at`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_audience_at(
    claims: *const pas_claims,
    index: usize,
    out_view: *mut pas_str,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let c = unsafe { handle(claims, "claims") }?;
        let out_view = out(out_view, "out_view")?;
        let s = c.token.audiences().get(index).ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "index"))?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_view, pas_str::of(s)) };
        Ok(())
    })
}

/// Numbers of a claims set, in one struct.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pas_claims_numbers {
    /// `exp`, Unix seconds.
    pub expires_at: u64,
    /// `iat`, Unix seconds.
    pub issued_at: u64,
    /// `nbf`, Unix seconds; valid when `has_not_before`.
    pub not_before: u64,
    /// Whether `nbf` is present.
    pub has_not_before: bool,
    /// `sv`; valid when `has_sv`.
    pub sv: i64,
    /// Whether `sv` is present.
    pub has_sv: bool,
    /// The algorithm that verified the signature (`PAS_ALG_*`).
    pub alg: pas_alg,
    /// Number of scopes (`pas_claims_scope_at`).
    pub scope_count: usize,
    /// Number of audiences (`pas_claims_audience_at`).
    pub audience_count: usize,
}

/// The numeric claims (`exp`, `iat`, `nbf`, `sv`), the algorithm and the list sizes.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_numbers_get(
    claims: *const pas_claims,
    out_numbers: *mut pas_claims_numbers,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let t = &unsafe { handle(claims, "claims") }?.token;
        let out_numbers = out(out_numbers, "out_numbers")?;
        let n = pas_claims_numbers {
            expires_at: t.expires_at(),
            issued_at: t.issued_at(),
            not_before: t.not_before().unwrap_or(0),
            has_not_before: t.not_before().is_some(),
            sv: t.sv().unwrap_or(0),
            has_sv: t.sv().is_some(),
            alg: alg_number(t.algorithm()),
            scope_count: t.scopes().len(),
            audience_count: t.audiences().len(),
        };
        // SAFETY: checked out-pointer.
        unsafe { put(out_numbers, n) };
        Ok(())
    })
}

/// Whether `scope` holds this exact scope token, in `*out_has`.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_claims_has_scope(
    claims: *const pas_claims,
    scope: *const c_char,
    scope_len: usize,
    out_has: *mut bool,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let c = unsafe { handle(claims, "claims") }?;
        let out_has = out(out_has, "out_has")?;
        // SAFETY: pointer + length per the documented contract.
        let scope = unsafe { str_in(scope, scope_len, "scope") }?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_has, c.token.has_scope(scope)) };
        Ok(())
    })
}
