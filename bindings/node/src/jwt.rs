//! `Verifier`: RFC 9068 access-token verification against a JWKS (URL or object).

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

/// The claims pas checked, from a verified access token (never the raw token).
#[napi(object)]
#[derive(Debug)]
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

fn to_js(t: &CoreToken) -> VerifiedToken {
    VerifiedToken {
        subject: t.subject().to_owned(),
        sv: t.sv(),
        session_id: t.session_id().map(str::to_owned),
        client_id: t.client_id().to_owned(),
        scopes: t.scopes().to_vec(),
        expires_at: secs(t.expires_at()),
        issued_at: secs(t.issued_at()),
        not_before: t.not_before().map(secs),
        jwt_id: t.jwt_id().to_owned(),
        issuer: t.issuer().to_owned(),
        audiences: t.audiences().to_vec(),
        key_id: t.key_id().map(str::to_owned),
        algorithm: t.algorithm().as_str().to_owned(),
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
    pub fn verify<'env>(&self, env: &'env Env, token: String) -> Result<PromiseRaw<'env, VerifiedToken>> {
        let v = self.inner.clone();
        promise(env, async move { v.verify(&token).await.map(|t| to_js(&t)) })
    }

    /// `verify()` with a fixed clock (`nowUnixSeconds`), for tests and shared vectors.
    #[napi(catch_unwind, ts_return_type = "Promise<VerifiedToken>")]
    pub fn verify_at<'env>(
        &self,
        env: &'env Env,
        token: String,
        now_unix_seconds: i64,
    ) -> Result<PromiseRaw<'env, VerifiedToken>> {
        let v = self.inner.clone();
        let now = u64::try_from(now_unix_seconds).unwrap_or(0);
        promise(env, async move { v.verify_at(&token, now).await.map(|t| to_js(&t)) })
    }

    /// Verifies with the keys in hand, synchronously, never touching the network.
    #[napi(catch_unwind)]
    pub fn verify_cached(&self, env: &Env, token: String) -> Result<VerifiedToken> {
        guard(env, || self.inner.verify_cached(&token).map(|t| to_js(&t)))
    }

    /// `verifyCached()` with a fixed clock (`nowUnixSeconds`).
    #[napi(catch_unwind)]
    pub fn verify_cached_at(&self, env: &Env, token: String, now_unix_seconds: i64) -> Result<VerifiedToken> {
        let now = u64::try_from(now_unix_seconds).unwrap_or(0);
        guard(env, || self.inner.verify_cached_at(&token, now).map(|t| to_js(&t)))
    }
}
