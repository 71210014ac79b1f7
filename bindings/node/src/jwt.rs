//! `Verifier`: RFC 9068 access-token verification against a JWKS (URL or object).

use napi::JsString;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use pas_core::jwt::{Algorithm, Profile, VerifiedToken as CoreToken};
use pas_core::{ErrorCode, Verifier as CoreVerifier};

use crate::errors::{guard, pas_err, promise};
use crate::oauth::http_options;

/// Settings of `new Verifier(options)`. Exactly one of `jwksUrl` and `jwks` is required.
#[napi(object)]
#[derive(Debug)]
pub struct VerifierOptions {
    /// The expected `iss`, compared byte for byte.
    pub issuer: String,
    /// The expected audience (your client id); must be in `aud`.
    pub audience: String,
    /// Where to fetch the JWKS (https, or http on loopback). Fetched lazily, cached for
    /// `Cache-Control: max-age` (30 s to 24 h, default 10 min), refetched at most once per
    /// `minRefetchIntervalMs` on an unknown `kid`.
    pub jwks_url: Option<String>,
    /// A static JWKS: the JSON text or the parsed object `{ keys: [...] }`.
    #[napi(ts_type = "string | { keys: unknown[] }")]
    pub jwks: Option<serde_json::Value>,
    /// Allowed algorithms (`EdDSA`, `ES256`, `RS256`, `PS256`); default `["EdDSA"]`. HMAC and
    /// `none` do not exist here.
    pub algorithms: Option<Vec<String>>,
    /// Clock leeway in seconds (0 to 300); default 60.
    pub leeway_seconds: Option<u32>,
    /// `rfc9068` (default) or `pas` (adds PAS's header allow-list and `cat = access`).
    #[napi(ts_type = "'rfc9068' | 'pas'")]
    pub profile: Option<String>,
    /// Require `typ: at+jwt` (default true).
    pub require_typ: Option<bool>,
    /// Size cap in bytes (256 to 262144); default 8192.
    pub max_token_bytes: Option<u32>,
    /// At most one JWKS fetch per this many milliseconds; default 30000.
    pub min_refetch_interval_ms: Option<u32>,
    /// TCP/TLS connect timeout of JWKS fetches in milliseconds; default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// Whole-request timeout of JWKS fetches in milliseconds; default 10000.
    pub request_timeout_ms: Option<u32>,
}

// The TypeScript shape of a verified token. No value of this type is ever built: the object JS
// sees is made by `makeVerifiedToken` in index.js from `TokenValues` (the generated
// `index.d.ts` takes the interface from here; test/verify-shape.test.js keeps the two in step).
/// The claims pas checked, from a verified access token (never the raw token).
#[napi(object)]
#[derive(Debug)]
#[allow(dead_code, reason = "declares the TypeScript interface only; see TokenValues")]
pub struct VerifiedToken {
    /// `sub`: the ppnum id of the account.
    pub subject: String,
    /// `sv`: the session version, when present.
    pub sv: Option<i64>,
    /// `sid`: the PAS session id, when present.
    pub session_id: Option<String>,
    /// `client_id`.
    pub client_id: String,
    /// The scopes of `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// `exp`, Unix seconds.
    pub expires_at: i64,
    /// `iat`, Unix seconds.
    pub issued_at: i64,
    /// `nbf`, Unix seconds, when present.
    pub not_before: Option<i64>,
    /// `jti`.
    pub jwt_id: String,
    /// `iss`.
    pub issuer: String,
    /// `aud`, as a list.
    pub audiences: Vec<String>,
    /// The header's `kid`, when present.
    pub key_id: Option<String>,
    /// The header's `alg`.
    pub algorithm: String,
}

fn secs(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The claims of a verified token as JS values, in the order `makeVerifiedToken` (index.js)
/// takes them: `subject, clientId, scopes, expiresAt, issuedAt, jwtId, issuer, audiences,
/// algorithm, sv, sessionId, notBefore, keyId`, the last four `null` when absent.
type TokenValues<'env> = (
    JsString<'env>,
    JsString<'env>,
    Array<'env>,
    i64,
    i64,
    JsString<'env>,
    JsString<'env>,
    Array<'env>,
    JsString<'env>,
    Option<i64>,
    Option<JsString<'env>>,
    Option<i64>,
    Option<JsString<'env>>,
);

/// index.js's `makeVerifiedToken`, which the JS wrappers of the `verifyCached*` methods pass as
/// a trailing argument that the TypeScript signature does not show.
///
/// Why the object is built in JS: `verifyCached` is the hot path, and N-API is slow at making
/// objects (every named property costs a string internalization and a map transition inside
/// V8), while a JS object literal is made in one step with a shape V8 already knows. Calling the
/// maker with the values as arguments is also cheaper than handing over an array.
pub type MakeToken<'env> = Function<'env, FnArgs<TokenValues<'env>>, Unknown<'env>>;

/// A JS string. ASCII (nearly every claim) is handed over as Latin-1, which V8 copies as is,
/// instead of UTF-8, which it decodes.
fn js_string<'env>(env: &'env Env, s: &str) -> Result<JsString<'env>> {
    if s.is_ascii() { env.create_string_latin1(s.as_bytes()) } else { env.create_string(s) }
}

fn strings<'env>(env: &'env Env, items: &[String]) -> Result<Array<'env>> {
    let mut array = env.create_array(u32::try_from(items.len()).unwrap_or(u32::MAX))?;
    for (i, item) in (0u32..).zip(items) {
        array.set(i, js_string(env, item)?)?;
    }
    Ok(array)
}

fn token_values<'env>(env: &'env Env, t: &CoreToken) -> Result<TokenValues<'env>> {
    let opt = |v: Option<&str>| v.map(|v| js_string(env, v)).transpose();
    Ok((
        js_string(env, t.subject())?,
        js_string(env, t.client_id())?,
        strings(env, t.scopes())?,
        secs(t.expires_at()),
        secs(t.issued_at()),
        js_string(env, t.jwt_id())?,
        js_string(env, t.issuer())?,
        strings(env, t.audiences())?,
        js_string(env, t.algorithm().as_str())?,
        t.sv(),
        opt(t.session_id())?,
        t.not_before().map(secs),
        opt(t.key_id())?,
    ))
}

/// A verified token that leaves through a Promise: it resolves to the [`TokenValues`] as an array,
/// which the JS wrapper of `verify*` spreads into `makeVerifiedToken`.
#[derive(Debug)]
pub struct TokenFields(CoreToken);

impl ToNapiValue for TokenFields {
    unsafe fn to_napi_value(raw_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let values = token_values(&env, &val.0)?;
        // SAFETY: `raw_env` is the live env napi-rs handed to this call, on its JS thread.
        unsafe { ToNapiValue::to_napi_value(raw_env, values) }
    }
}

fn build(o: VerifierOptions) -> pas_core::Result<CoreVerifier> {
    let mut b = CoreVerifier::builder(o.issuer, o.audience);
    if let Some(names) = o.algorithms {
        let mut algs = Vec::with_capacity(names.len());
        for name in &names {
            algs.push(
                Algorithm::from_name(name)
                    .ok_or_else(|| pas_err(ErrorCode::InvalidConfig, "unknown algorithm in `algorithms`"))?,
            );
        }
        b = b.algorithms(&algs);
    }
    if let Some(l) = o.leeway_seconds {
        b = b.leeway(std::time::Duration::from_secs(u64::from(l)));
    }
    match o.profile.as_deref() {
        None | Some("rfc9068") => {}
        Some("pas") => b = b.profile(Profile::Pas),
        Some(_) => return Err(pas_err(ErrorCode::InvalidConfig, "profile must be 'rfc9068' or 'pas'")),
    }
    if let Some(r) = o.require_typ {
        b = b.require_typ(r);
    }
    if let Some(m) = o.max_token_bytes {
        b = b.max_token_bytes(m as usize);
    }
    if let Some(ms) = o.min_refetch_interval_ms {
        b = b.min_refetch_interval(std::time::Duration::from_millis(u64::from(ms)));
    }
    if let Some(url) = o.jwks_url {
        b = b.jwks_url(url, http_options(o.connect_timeout_ms, o.request_timeout_ms));
    }
    match o.jwks {
        None => {}
        Some(serde_json::Value::String(text)) => b = b.jwks_json(&text),
        Some(value) => b = b.jwks_json(&value.to_string()),
    }
    b.build()
}

/// Verifies PAS access tokens (RFC 9068 JWTs, EdDSA by default).
///
/// `verify()` always returns a Promise, because it may fetch the JWKS (first use, expired TTL,
/// unknown `kid`). `verifyCached()` is synchronous and never touches the network: use it on hot
/// paths once the keys are loaded (static `jwks`, or after `await verifier.prefetch()`); it
/// throws `jwks_unavailable` before any key set is in hand and `kid_unknown` for a key it does not
/// hold. Failures carry a token-class code (`token_expired`, `signature_invalid`, ...).
#[napi]
#[derive(Debug)]
pub struct Verifier {
    inner: CoreVerifier,
}

#[napi]
impl Verifier {
    /// Checks the options and builds the verifier (no network I/O). Throws `invalid_config`,
    /// `invalid_url` or `jwks_invalid`.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: &Env, options: VerifierOptions) -> Result<Self> {
        guard(env, || Ok(Self { inner: build(options)? }))
    }

    /// The expected issuer.
    #[napi(getter, catch_unwind)]
    pub fn issuer(&self) -> String {
        self.inner.issuer().to_owned()
    }

    /// The expected audience.
    #[napi(getter, catch_unwind)]
    pub fn audience(&self) -> String {
        self.inner.audience().to_owned()
    }

    /// Whether a key set is in hand (static, or fetched at least once).
    #[napi(getter, catch_unwind)]
    pub fn has_keys(&self) -> bool {
        self.inner.has_keys()
    }

    /// Fetches the JWKS now (a no-op for a static key set).
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn prefetch<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, ()>> {
        let v = self.inner.clone();
        promise(env, async move { v.prefetch().await })
    }

    /// Verifies a token, fetching the JWKS when needed. Always a Promise.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifiedToken>")]
    pub fn verify<'env>(&self, env: &'env Env, token: String) -> Result<PromiseRaw<'env, TokenFields>> {
        let v = self.inner.clone();
        promise(env, async move { v.verify(&token).await.map(TokenFields) })
    }

    /// `verify()` with a fixed clock (`nowUnixSeconds`), for tests and shared vectors.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifiedToken>")]
    pub fn verify_at<'env>(
        &self,
        env: &'env Env,
        token: String,
        now_unix_seconds: i64,
    ) -> Result<PromiseRaw<'env, TokenFields>> {
        let v = self.inner.clone();
        let now = u64::try_from(now_unix_seconds).unwrap_or(0);
        promise(env, async move { v.verify_at(&token, now).await.map(TokenFields) })
    }

    /// Verifies with the keys in hand, synchronously, never touching the network.
    #[napi(catch_unwind, ts_args_type = "token: string", ts_return_type = "VerifiedToken")]
    pub fn verify_cached<'env>(&self, env: &'env Env, token: String, make: MakeToken<'env>) -> Result<Unknown<'env>> {
        verify_with_keys(env, &self.inner, &token, None, make)
    }

    /// `verifyCached()` with a fixed clock (`nowUnixSeconds`).
    #[napi(catch_unwind, ts_args_type = "token: string, nowUnixSeconds: number", ts_return_type = "VerifiedToken")]
    pub fn verify_cached_at<'env>(
        &self,
        env: &'env Env,
        token: String,
        now_unix_seconds: i64,
        make: MakeToken<'env>,
    ) -> Result<Unknown<'env>> {
        verify_with_keys(env, &self.inner, &token, Some(now_unix_seconds), make)
    }

    /// The handle that `index.js` caches on the instance for the hot paths below. Internal.
    #[napi(skip_typescript, catch_unwind)]
    pub fn fast_handle(&self) -> VerifierHandle {
        External::new(self.inner.clone())
    }
}

/// The core verifier as a bare N-API external, for `verifyCached*` (see `CipherHandle` in
/// `src/cipher.rs` for why the hot paths avoid class-instance calls).
pub type VerifierHandle = External<CoreVerifier>;

/// `Verifier.prototype.verifyCached` on a handle. Internal (see [`VerifierHandle`]).
#[napi(skip_typescript, catch_unwind)]
pub fn verifier_verify_cached<'env>(
    env: &'env Env,
    verifier: &VerifierHandle,
    token: String,
    make: MakeToken<'env>,
) -> Result<Unknown<'env>> {
    verify_with_keys(env, verifier, &token, None, make)
}

/// `Verifier.prototype.verifyCachedAt` on a handle. Internal (see [`VerifierHandle`]).
#[napi(skip_typescript, catch_unwind)]
pub fn verifier_verify_cached_at<'env>(
    env: &'env Env,
    verifier: &VerifierHandle,
    token: String,
    now_unix_seconds: i64,
    make: MakeToken<'env>,
) -> Result<Unknown<'env>> {
    verify_with_keys(env, verifier, &token, Some(now_unix_seconds), make)
}

/// `verifyCached` (`now_unix_seconds: None`, the system clock) or `verifyCachedAt`.
fn verify_with_keys<'env>(
    env: &'env Env,
    verifier: &CoreVerifier,
    token: &str,
    now_unix_seconds: Option<i64>,
    make: MakeToken<'env>,
) -> Result<Unknown<'env>> {
    let verified = guard(env, || match now_unix_seconds {
        None => verifier.verify_cached(token),
        Some(now) => verifier.verify_cached_at(token, u64::try_from(now).unwrap_or(0)),
    })?;
    make.call(FnArgs::from(token_values(env, &verified)?))
}
