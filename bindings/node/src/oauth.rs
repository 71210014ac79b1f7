//! PKCE helpers, the authorization request, and `Client` (code exchange, refresh, liveness).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use pas_core::cipher::EncryptedRefreshToken;
use pas_core::liveness::{LivenessOutcome as CoreLiveness, attempt_liveness_refresh};
use pas_core::{ErrorCode, HttpOptions, PasClient, PasConfig, TokenResponse, pkce};

use crate::cipher::TokenCipher;
use crate::errors::{guard, pas_err, promise};

/// A fresh PKCE code verifier (64 unreserved characters from the OS CSPRNG). Keep it secret
/// until the code exchange.
#[napi(catch_unwind)]
pub fn generate_code_verifier() -> String {
    pkce::generate_code_verifier().expose().to_owned()
}

/// A fresh 128-bit CSRF `state` value (22 base64url characters).
#[napi(catch_unwind)]
pub fn generate_state() -> String {
    pkce::generate_state()
}

/// The S256 code challenge of a verifier (RFC 7636 §4.2): `BASE64URL(SHA256(verifier))`.
///
/// Throws `invalid_verifier` when the verifier is not 43-128 unreserved characters.
#[napi(catch_unwind)]
pub fn code_challenge(env: &Env, verifier: String) -> Result<String> {
    guard(env, || pkce::code_challenge(&verifier))
}

/// Checks a code verifier: 43-128 characters from `[A-Za-z0-9-._~]`. Throws `invalid_verifier`.
#[napi(catch_unwind)]
pub fn validate_code_verifier(env: &Env, verifier: String) -> Result<()> {
    guard(env, || pkce::validate_code_verifier(&verifier))
}

/// How to reach PAS, for `new Client(options)`.
///
/// Give `baseUrl` for PAS's layout (`{base}/oauth/authorize`, `{base}/oauth/token`,
/// `{base}/oauth/userinfo`, `{base}/.well-known/jwks.json`, issuer = `baseUrl`), or all four
/// endpoints explicitly. Endpoints must be https (http only on loopback).
#[napi(object)]
#[derive(Debug)]
pub struct ClientOptions {
    /// The OAuth client id (public client, no secret).
    pub client_id: String,
    /// The redirect URI registered with PAS.
    pub redirect_uri: String,
    /// PAS's base URL (also its issuer).
    pub base_url: Option<String>,
    /// Overrides the issuer.
    pub issuer: Option<String>,
    /// The authorization endpoint (required without `baseUrl`).
    pub authorization_endpoint: Option<String>,
    /// The token endpoint (required without `baseUrl`).
    pub token_endpoint: Option<String>,
    /// The userinfo endpoint (required without `baseUrl`).
    pub userinfo_endpoint: Option<String>,
    /// The JWKS URI (required without `baseUrl`).
    pub jwks_uri: Option<String>,
    /// OAuth scopes; default `["openid", "profile"]`.
    pub scopes: Option<Vec<String>>,
    /// TCP/TLS connect timeout in milliseconds; default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// Whole-request timeout in milliseconds; default 10000.
    pub request_timeout_ms: Option<u32>,
}

/// Optional HTTP settings.
#[napi(object)]
#[derive(Debug)]
pub struct HttpSettings {
    /// TCP/TLS connect timeout in milliseconds; default 5000.
    pub connect_timeout_ms: Option<u32>,
    /// Whole-request timeout in milliseconds; default 10000.
    pub request_timeout_ms: Option<u32>,
}

pub(crate) fn http_options(connect_ms: Option<u32>, request_ms: Option<u32>) -> HttpOptions {
    let mut http = HttpOptions::default();
    if let Some(ms) = connect_ms {
        http.connect_timeout = Duration::from_millis(u64::from(ms));
    }
    if let Some(ms) = request_ms {
        http.request_timeout = Duration::from_millis(u64::from(ms));
    }
    http
}

fn build_config(o: ClientOptions) -> pas_core::Result<PasConfig> {
    let mut config =
        match (&o.base_url, &o.authorization_endpoint, &o.token_endpoint, &o.userinfo_endpoint, &o.jwks_uri) {
            (Some(base), _, _, _, _) => PasConfig::new(o.client_id.clone(), &o.redirect_uri, base)?,
            (None, Some(a), Some(t), Some(u), Some(j)) => {
                PasConfig::from_endpoints(o.client_id.clone(), &o.redirect_uri, a, t, u, j)?
            }
            _ => {
                return Err(pas_err(
                    ErrorCode::InvalidConfig,
                    "give baseUrl, or all of authorizationEndpoint, tokenEndpoint, userinfoEndpoint and jwksUri",
                ));
            }
        };
    if o.base_url.is_some() {
        if let Some(a) = &o.authorization_endpoint {
            config = config.with_authorization_endpoint(a)?;
        }
        if let Some(t) = &o.token_endpoint {
            config = config.with_token_endpoint(t)?;
        }
        if let Some(u) = &o.userinfo_endpoint {
            config = config.with_userinfo_endpoint(u)?;
        }
        if let Some(j) = &o.jwks_uri {
            config = config.with_jwks_uri(j)?;
        }
    }
    if o.issuer.is_some() {
        config = config.with_issuer(o.issuer)?;
    }
    if let Some(scopes) = o.scopes {
        config = config.with_scopes(scopes)?;
    }
    Ok(config.with_http_options(http_options(o.connect_timeout_ms, o.request_timeout_ms)))
}

/// The tokens of a successful token-endpoint answer.
///
/// Tokens are read through getters, so `util.inspect(tokens)`, `console.log(tokens)` and
/// `JSON.stringify(tokens)` never show them.
#[napi]
#[derive(Debug)]
pub struct TokenSet {
    inner: TokenResponse,
}

#[napi]
impl TokenSet {
    /// The access token (a JWT from PAS). Secret.
    #[napi(getter, catch_unwind)]
    pub fn access_token(&self) -> String {
        self.inner.access_token.expose().to_owned()
    }

    /// The refresh token, when PAS issued one. Secret: seal it with `TokenCipher` before storing.
    #[napi(getter, catch_unwind)]
    pub fn refresh_token(&self) -> Option<String> {
        self.inner.refresh_token.as_ref().map(|t| t.expose().to_owned())
    }

    /// The OpenID Connect ID token, when PAS issued one.
    #[napi(getter, catch_unwind)]
    pub fn id_token(&self) -> Option<String> {
        self.inner.id_token.as_ref().map(|t| t.expose().to_owned())
    }

    /// The token type (`Bearer`).
    #[napi(getter, catch_unwind)]
    pub fn token_type(&self) -> String {
        self.inner.token_type.clone()
    }

    /// Lifetime of the access token in seconds, when PAS said.
    #[napi(getter, catch_unwind)]
    pub fn expires_in(&self) -> Option<f64> {
        self.inner.expires_in.map(|s| s as f64)
    }

    /// Granted scopes (space separated), when PAS said.
    #[napi(getter, catch_unwind)]
    pub fn scope(&self) -> Option<String> {
        self.inner.scope.clone()
    }
}

/// Where to send the browser, and what to keep (server side) until the callback.
#[napi]
#[derive(Debug)]
pub struct AuthorizationRequest {
    inner: pas_core::AuthorizationRequest,
}

#[napi]
impl AuthorizationRequest {
    /// The authorization URL with `response_type`, `client_id`, `redirect_uri`, `state`,
    /// `code_challenge`, `code_challenge_method=S256` and `scope`.
    #[napi(getter, catch_unwind)]
    pub fn url(&self) -> String {
        self.inner.url.as_str().to_owned()
    }

    /// The CSRF `state` sent in the URL: compare it with the callback's.
    #[napi(getter, catch_unwind)]
    pub fn state(&self) -> String {
        self.inner.state.clone()
    }

    /// The PKCE verifier whose challenge is in the URL. Secret until the code exchange.
    #[napi(getter, catch_unwind)]
    pub fn code_verifier(&self) -> String {
        self.inner.code_verifier.expose().to_owned()
    }
}

/// The result of a liveness refresh (fail-open): only a definitive answer revokes.
/// `keepsSession` is the core's verdict (`false` exactly for `revoked`).
#[napi(discriminant = "kind", discriminant_case = "snake_case")]
#[derive(Debug)]
pub enum LivenessOutcome {
    /// PAS honoured the token. Persist `rotatedCiphertext` when it is set.
    Fresh {
        /// Always `true`: keep serving the session.
        #[napi(ts_type = "true")]
        keeps_session: bool,
        /// The re-encrypted new refresh token, when PAS rotated it.
        rotated_ciphertext: Option<String>,
    },
    /// The session is dead: mark it revoked and drop it.
    Revoked {
        /// Always `false`: drop the session.
        #[napi(ts_type = "false")]
        keeps_session: bool,
        /// `decrypt_failed` or `pas_rejected`.
        #[napi(ts_type = "'decrypt_failed' | 'pas_rejected'")]
        cause: String,
        /// The HTTP status PAS answered, for `pas_rejected`.
        status: Option<u32>,
    },
    /// Nothing was learned (PAS down): keep serving the session and retry later.
    Transient {
        /// Always `true`: keep serving the session.
        #[napi(ts_type = "true")]
        keeps_session: bool,
        /// `pas_unavailable` or `encrypt_failed`.
        #[napi(ts_type = "'pas_unavailable' | 'encrypt_failed'")]
        cause: String,
        /// PAS's `Retry-After`, in milliseconds, when it sent one.
        retry_after_ms: Option<f64>,
    },
}

pub(crate) fn liveness_to_js(outcome: CoreLiveness) -> LivenessOutcome {
    let keeps_session = outcome.keeps_session();
    match outcome {
        CoreLiveness::Fresh { rotated_ciphertext } => LivenessOutcome::Fresh {
            keeps_session,
            rotated_ciphertext: rotated_ciphertext.map(EncryptedRefreshToken::into_inner),
        },
        CoreLiveness::Revoked { cause, status } => {
            LivenessOutcome::Revoked { keeps_session, cause: cause.as_str().to_owned(), status: status.map(u32::from) }
        }
        CoreLiveness::Transient { cause, retry_after } => LivenessOutcome::Transient {
            keeps_session,
            cause: cause.as_str().to_owned(),
            retry_after_ms: retry_after.map(|d| d.as_millis() as f64),
        },
        _ => LivenessOutcome::Transient {
            keeps_session: true,
            cause: "pas_unavailable".to_owned(),
            retry_after_ms: None,
        },
    }
}

/// The token client of a public OAuth client: authorization URLs (sync) and the token endpoint
/// (Promises). Redirects are never followed; failures reject with a coded error (`pas_rejected`
/// with `status` and `oauthError`, `pas_server_error` with `retryAfterMs`, `pas_timeout`,
/// `pas_transport`, `pas_bad_response`).
///
/// `close()` releases the connection pool; calls after it reject with `runtime_unavailable`.
/// Idle connections never keep the Node process alive.
#[napi]
#[derive(Debug)]
pub struct Client {
    inner: Mutex<Option<Arc<PasClient>>>,
}

impl Client {
    pub(crate) fn from_core(client: PasClient) -> Self {
        Self { inner: Mutex::new(Some(Arc::new(client))) }
    }

    pub(crate) fn core(&self) -> pas_core::Result<Arc<PasClient>> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| pas_err(ErrorCode::RuntimeUnavailable, "the client is closed"))
    }
}

#[napi]
impl Client {
    /// A client from explicit options (no network I/O). Throws `invalid_config` / `invalid_url`.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: &Env, options: ClientOptions) -> Result<Self> {
        guard(env, || Ok(Self::from_core(PasClient::new(build_config(options)?)?)))
    }

    /// The client id.
    #[napi(getter, catch_unwind)]
    pub fn client_id(&self, env: &Env) -> Result<String> {
        guard(env, || Ok(self.core()?.config().client_id().to_owned()))
    }

    /// The issuer, when known.
    #[napi(getter, catch_unwind)]
    pub fn issuer(&self, env: &Env) -> Result<Option<String>> {
        guard(env, || Ok(self.core()?.config().issuer().map(str::to_owned)))
    }

    /// The JWKS URI (feed it to `new Verifier({ jwksUrl })`).
    #[napi(getter, catch_unwind)]
    pub fn jwks_uri(&self, env: &Env) -> Result<String> {
        guard(env, || Ok(self.core()?.config().jwks_uri().as_str().to_owned()))
    }

    /// The token endpoint.
    #[napi(getter, catch_unwind)]
    pub fn token_endpoint(&self, env: &Env) -> Result<String> {
        guard(env, || Ok(self.core()?.config().token_endpoint().as_str().to_owned()))
    }

    /// A fresh authorization request: new `state`, new verifier and its S256 challenge.
    #[napi(catch_unwind)]
    pub fn authorization_request(&self, env: &Env) -> Result<AuthorizationRequest> {
        guard(env, || Ok(AuthorizationRequest { inner: self.core()?.config().authorization_request()? }))
    }

    /// An authorization request with a caller-given verifier and state (deterministic).
    /// Throws `invalid_verifier` or `invalid_argument` (state empty or over 512 bytes).
    #[napi(catch_unwind)]
    pub fn authorization_request_with(
        &self,
        env: &Env,
        code_verifier: String,
        state: String,
    ) -> Result<AuthorizationRequest> {
        guard(env, || {
            Ok(AuthorizationRequest {
                inner: self.core()?.config().authorization_request_with(&code_verifier, &state)?,
            })
        })
    }

    /// Exchanges an authorization code (with its PKCE verifier) at the token endpoint.
    #[napi(catch_unwind, ts_return_type = "Promise<TokenSet>")]
    pub fn exchange_code<'env>(
        &self,
        env: &'env Env,
        code: String,
        code_verifier: String,
    ) -> Result<PromiseRaw<'env, TokenSet>> {
        let client = self.core();
        promise(env, async move {
            let tokens = client?.exchange_code(&code, &code_verifier).await.map_err(pas_core::Error::from)?;
            Ok(TokenSet { inner: tokens })
        })
    }

    /// Refreshes a refresh token (RFC 6749 §6). The answer may carry no, the same, or a new
    /// refresh token.
    #[napi(catch_unwind, ts_return_type = "Promise<TokenSet>")]
    pub fn refresh<'env>(&self, env: &'env Env, refresh_token: String) -> Result<PromiseRaw<'env, TokenSet>> {
        let client = self.core();
        promise(env, async move {
            let token = pas_core::SecretString::new(refresh_token);
            let tokens = client?.refresh(&token).await.map_err(pas_core::Error::from)?;
            Ok(TokenSet { inner: tokens })
        })
    }

    /// The periodic, fail-open liveness refresh of a stored (sealed) refresh token: `fresh`
    /// (persist `rotatedCiphertext` if set), `revoked` (drop the session) or `transient` (PAS
    /// down: keep the session). Never rejects for a PAS answer; a closed client rejects with
    /// `runtime_unavailable`.
    #[napi(catch_unwind, ts_return_type = "Promise<LivenessOutcome>")]
    pub fn liveness_refresh<'env>(
        &self,
        env: &'env Env,
        cipher: &TokenCipher,
        ciphertext: String,
    ) -> Result<PromiseRaw<'env, LivenessOutcome>> {
        let client = self.core();
        let cipher = cipher.inner.clone();
        promise(env, async move {
            let client = client?;
            let stored = EncryptedRefreshToken::from_stored(ciphertext);
            Ok(liveness_to_js(attempt_liveness_refresh(&*client, &cipher, &stored).await))
        })
    }

    /// Releases the client (its connection pool). Later calls fail with `runtime_unavailable`.
    /// Idempotent.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Whether `close()` was called.
    #[napi(getter, catch_unwind)]
    pub fn closed(&self) -> bool {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).is_none()
    }
}

/// Builds a `Client` from OpenID discovery (`{issuer}/.well-known/openid-configuration`); the
/// issuer must match byte for byte. Rejects with `discovery_failed`, `invalid_url` or
/// `invalid_config`.
#[napi(catch_unwind, ts_return_type = "Promise<Client>")]
pub fn discover<'env>(
    env: &'env Env,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    http: Option<HttpSettings>,
) -> Result<PromiseRaw<'env, Client>> {
    let http = http.map_or_else(HttpOptions::default, |h| http_options(h.connect_timeout_ms, h.request_timeout_ms));
    promise(env, async move {
        let config = pas_core::discover(&issuer, client_id, redirect_uri, http).await?;
        Ok(Client::from_core(PasClient::new(config)?))
    })
}
