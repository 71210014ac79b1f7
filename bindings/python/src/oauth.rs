//! `PasConfig`, `AuthorizationRequest`, `TokenResponse`, `LivenessResult`, `Client`, `AsyncClient`
//! and `discover`.

use pas_core::cipher::EncryptedRefreshToken;
use pas_core::liveness::{LivenessOutcome, attempt_liveness_refresh};
use pas_core::secret::SecretString;
use pas_core::sv_claim::{SvClaim, read_sv_unverified};
use pas_core::{Error, PasClient};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::crypto::TokenCipher;
use crate::errors::IntoPy;
use crate::jwt::{http_options, seconds};
use crate::rt;

/// Client registration and PAS endpoints (validated: https, or http on loopback only).
///
/// `PasConfig(client_id, redirect_uri, base_url)` uses PAS's URL layout under `base_url` (also the
/// issuer). See also `PasConfig.from_endpoints`, `PasConfig.from_env` and `pas.discover`.
#[pyclass(frozen, module = "pas")]
#[derive(Clone)]
pub(crate) struct PasConfig {
    pub(crate) inner: pas_core::PasConfig,
}

fn configure(
    py: Python<'_>,
    mut config: pas_core::PasConfig,
    scopes: Option<Vec<String>>,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
) -> PyResult<pas_core::PasConfig> {
    if let Some(scopes) = scopes {
        config = config.with_scopes(scopes).py_err(py)?;
    }
    if let Some(c) = connect_timeout {
        config = config.with_connect_timeout(seconds(py, c, "connect_timeout must be non-negative")?);
    }
    if let Some(r) = request_timeout {
        config = config.with_request_timeout(seconds(py, r, "request_timeout must be non-negative")?);
    }
    Ok(config)
}

#[pymethods]
impl PasConfig {
    #[new]
    #[pyo3(signature = (client_id, redirect_uri, base_url, *, scopes = None, connect_timeout = None, request_timeout = None))]
    fn new(
        py: Python<'_>,
        client_id: String,
        redirect_uri: String,
        base_url: String,
        scopes: Option<Vec<String>>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let config = pas_core::PasConfig::new(client_id, redirect_uri, base_url).py_err(py)?;
        Ok(Self { inner: configure(py, config, scopes, connect_timeout, request_timeout)? })
    }

    /// A configuration with every endpoint explicit (no issuer).
    #[staticmethod]
    #[pyo3(signature = (client_id, redirect_uri, authorization_endpoint, token_endpoint, userinfo_endpoint, jwks_uri,
        *, scopes = None, connect_timeout = None, request_timeout = None))]
    #[allow(clippy::too_many_arguments)]
    fn from_endpoints(
        py: Python<'_>,
        client_id: String,
        redirect_uri: String,
        authorization_endpoint: String,
        token_endpoint: String,
        userinfo_endpoint: String,
        jwks_uri: String,
        scopes: Option<Vec<String>>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let config = pas_core::PasConfig::from_endpoints(
            client_id,
            redirect_uri,
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint,
            jwks_uri,
        )
        .py_err(py)?;
        Ok(Self { inner: configure(py, config, scopes, connect_timeout, request_timeout)? })
    }

    /// Reads `PAS_CLIENT_ID`, `PAS_REDIRECT_URI`, `PAS_ISSUER`, ... from the environment.
    #[staticmethod]
    fn from_env(py: Python<'_>) -> PyResult<Self> {
        Ok(Self { inner: pas_core::PasConfig::from_env().py_err(py)? })
    }

    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client_id()
    }
    #[getter]
    fn redirect_uri(&self) -> &str {
        self.inner.redirect_uri().as_str()
    }
    #[getter]
    fn issuer(&self) -> Option<&str> {
        self.inner.issuer()
    }
    #[getter]
    fn authorization_endpoint(&self) -> &str {
        self.inner.authorization_endpoint().as_str()
    }
    #[getter]
    fn token_endpoint(&self) -> &str {
        self.inner.token_endpoint().as_str()
    }
    #[getter]
    fn userinfo_endpoint(&self) -> &str {
        self.inner.userinfo_endpoint().as_str()
    }
    #[getter]
    fn jwks_uri(&self) -> &str {
        self.inner.jwks_uri().as_str()
    }
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.scopes())
    }

    /// A fresh authorization request (new state and PKCE verifier), or a deterministic one when
    /// both `code_verifier` and `state` are given.
    #[pyo3(signature = (*, code_verifier = None, state = None))]
    fn authorization_request(
        &self,
        py: Python<'_>,
        code_verifier: Option<String>,
        state: Option<String>,
    ) -> PyResult<AuthorizationRequest> {
        let req = match (code_verifier, state) {
            (None, None) => self.inner.authorization_request(),
            (v, s) => {
                let v = v.unwrap_or_else(|| pas_core::pkce::generate_code_verifier().expose().to_owned());
                let s = s.unwrap_or_else(pas_core::pkce::generate_state);
                self.inner.authorization_request_with(&v, &s)
            }
        }
        .py_err(py)?;
        Ok(AuthorizationRequest {
            url: req.url.as_str().to_owned(),
            state: req.state.clone(),
            code_verifier: req.code_verifier.clone(),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "PasConfig(client_id={:?}, redirect_uri={:?}, issuer={:?}, token_endpoint={:?})",
            self.inner.client_id(),
            self.inner.redirect_uri().as_str(),
            self.inner.issuer(),
            self.inner.token_endpoint().as_str()
        )
    }
}

/// Where to send the browser (`url`), and what to keep server-side until the callback (`state`,
/// `code_verifier`). `repr()` hides the verifier.
#[pyclass(frozen, module = "pas")]
pub(crate) struct AuthorizationRequest {
    #[pyo3(get)]
    url: String,
    #[pyo3(get)]
    state: String,
    code_verifier: SecretString,
}

#[pymethods]
impl AuthorizationRequest {
    /// The PKCE code verifier (secret until the code exchange).
    #[getter]
    fn code_verifier(&self) -> &str {
        self.code_verifier.expose()
    }
    fn __repr__(&self) -> String {
        format!("AuthorizationRequest(url={:?}, state={:?}, code_verifier=<redacted>)", self.url, self.state)
    }
}

/// A token-endpoint answer. Tokens are attributes; `repr()` shows none of them.
#[pyclass(frozen, module = "pas")]
pub(crate) struct TokenResponse {
    inner: pas_core::TokenResponse,
}

#[pymethods]
impl TokenResponse {
    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token.expose()
    }
    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token.as_ref().map(SecretString::expose)
    }
    #[getter]
    fn id_token(&self) -> Option<&str> {
        self.inner.id_token.as_ref().map(SecretString::expose)
    }
    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }
    #[getter]
    fn expires_in(&self) -> Option<u64> {
        self.inner.expires_in
    }
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }
    /// The `sv` claim of the access token, read without a signature check (it came straight from
    /// PAS): record it with the session at login. None when absent or not a valid integer.
    #[getter]
    fn sv(&self) -> Option<i64> {
        match read_sv_unverified(self.inner.access_token.expose()) {
            SvClaim::Value(v) => Some(v),
            _ => None,
        }
    }
    /// The refresh token sealed with `cipher` (the value to store), or None when PAS sent none.
    fn seal_refresh_token(&self, py: Python<'_>, cipher: &TokenCipher) -> PyResult<Option<String>> {
        match &self.inner.refresh_token {
            None => Ok(None),
            Some(rt) => cipher.inner.encrypt(rt.expose()).map(|c| Some(c.into_inner())).py_err(py),
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "TokenResponse(token_type={:?}, expires_in={:?}, scope={:?}, access_token=<redacted>, refresh_token={}, id_token={})",
            self.inner.token_type,
            self.inner.expires_in,
            self.inner.scope,
            if self.inner.refresh_token.is_some() { "<redacted>" } else { "None" },
            if self.inner.id_token.is_some() { "<redacted>" } else { "None" },
        )
    }
}

/// The result of a liveness refresh (fail-open): `kind` is `"fresh"`, `"revoked"` or
/// `"transient"`. Keep the session unless `revoked`; store `rotated_ciphertext` when set.
#[pyclass(frozen, eq, module = "pas")]
#[derive(PartialEq)]
pub(crate) struct LivenessResult {
    inner: LivenessOutcome,
}

impl LivenessResult {
    pub(crate) fn new(inner: LivenessOutcome) -> Self {
        Self { inner }
    }
}

#[pymethods]
impl LivenessResult {
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner {
            LivenessOutcome::Fresh { .. } => "fresh",
            LivenessOutcome::Revoked { .. } => "revoked",
            _ => "transient",
        }
    }
    /// Whether the host should keep the session (`fresh` or `transient`).
    #[getter]
    fn keeps_session(&self) -> bool {
        self.inner.keeps_session()
    }
    /// `decrypt_failed` / `pas_rejected` (revoked), `pas_unavailable` / `encrypt_failed`
    /// (transient), None when fresh.
    #[getter]
    fn cause(&self) -> Option<&'static str> {
        match &self.inner {
            LivenessOutcome::Revoked { cause, .. } => Some(cause.as_str()),
            LivenessOutcome::Transient { cause, .. } => Some(cause.as_str()),
            _ => None,
        }
    }
    /// HTTP status PAS answered with, for `pas_rejected`.
    #[getter]
    fn status(&self) -> Option<u16> {
        match &self.inner {
            LivenessOutcome::Revoked { status, .. } => *status,
            _ => None,
        }
    }
    /// PAS's `Retry-After`, in seconds, when transient.
    #[getter]
    fn retry_after(&self) -> Option<f64> {
        match &self.inner {
            LivenessOutcome::Transient { retry_after, .. } => retry_after.map(|d| d.as_secs_f64()),
            _ => None,
        }
    }
    /// The re-encrypted rotated refresh token to store, when PAS rotated it.
    #[getter]
    fn rotated_ciphertext(&self) -> Option<&str> {
        match &self.inner {
            LivenessOutcome::Fresh { rotated_ciphertext } => rotated_ciphertext.as_ref().map(|c| c.as_str()),
            _ => None,
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "LivenessResult(kind={:?}, cause={:?}, status={:?}, rotated_ciphertext={})",
            self.kind(),
            self.cause(),
            self.status(),
            if self.rotated_ciphertext().is_some() { "<redacted>" } else { "None" }
        )
    }
}

fn token_result(r: Result<pas_core::TokenResponse, pas_core::PasFailure>) -> Result<TokenResponse, Error> {
    r.map(|inner| TokenResponse { inner }).map_err(Error::from)
}

fn new_client(py: Python<'_>, config: &PasConfig) -> PyResult<PasClient> {
    PasClient::new(config.inner.clone()).py_err(py)
}

/// The token client (sync): code exchange, refresh and the liveness refresh. Every call releases
/// the GIL during network I/O. Thread-safe; share one per process. Raises `PasRejectedError`
/// (4xx, with `.status` and `.oauth_error`), `PasServerError` (5xx/408/429, `.retry_after`),
/// `PasTransportError`, `PasTimeoutError` or `PasBadResponseError`.
#[pyclass(frozen, module = "pas")]
pub(crate) struct Client {
    pub(crate) inner: PasClient,
}

#[pymethods]
impl Client {
    #[new]
    fn new(py: Python<'_>, config: &PasConfig) -> PyResult<Self> {
        Ok(Self { inner: new_client(py, config)? })
    }
    #[getter]
    fn config(&self) -> PasConfig {
        PasConfig { inner: self.inner.config().clone() }
    }
    /// Exchanges an authorization code (with its PKCE verifier) for tokens.
    fn exchange_code(&self, py: Python<'_>, code: String, code_verifier: String) -> PyResult<TokenResponse> {
        let c = &self.inner;
        rt::block_on(py, async { token_result(c.exchange_code(&code, &code_verifier).await) })
    }
    /// Refreshes a (plaintext) refresh token.
    fn refresh(&self, py: Python<'_>, refresh_token: String) -> PyResult<TokenResponse> {
        let c = &self.inner;
        let rt_secret = SecretString::new(refresh_token);
        rt::block_on(py, async { token_result(c.refresh(&rt_secret).await) })
    }
    /// The fail-open liveness refresh of a stored ciphertext; decisions are values.
    fn liveness_refresh(&self, py: Python<'_>, ciphertext: String, cipher: &TokenCipher) -> PyResult<LivenessResult> {
        let c = &self.inner;
        let cipher = &cipher.inner;
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::block_on_infallible(py, async { LivenessResult::new(attempt_liveness_refresh(c, cipher, &ct).await) })
    }
    fn __repr__(&self) -> String {
        format!(
            "Client(client_id={:?}, token_endpoint={:?})",
            self.inner.config().client_id(),
            self.inner.config().token_endpoint().as_str()
        )
    }
}

/// The token client for asyncio: the methods of `Client` as `async def`.
#[pyclass(frozen, module = "pas")]
pub(crate) struct AsyncClient {
    pub(crate) inner: PasClient,
}

#[pymethods]
impl AsyncClient {
    #[new]
    fn new(py: Python<'_>, config: &PasConfig) -> PyResult<Self> {
        Ok(Self { inner: new_client(py, config)? })
    }
    #[getter]
    fn config(&self) -> PasConfig {
        PasConfig { inner: self.inner.config().clone() }
    }
    /// Exchanges an authorization code (awaitable).
    fn exchange_code<'py>(&self, py: Python<'py>, code: String, code_verifier: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        rt::awaitable(py, async move { token_result(c.exchange_code(&code, &code_verifier).await) })
    }
    /// Refreshes a refresh token (awaitable).
    fn refresh<'py>(&self, py: Python<'py>, refresh_token: String) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let secret = SecretString::new(refresh_token);
        rt::awaitable(py, async move { token_result(c.refresh(&secret).await) })
    }
    /// The fail-open liveness refresh (awaitable).
    fn liveness_refresh<'py>(
        &self,
        py: Python<'py>,
        ciphertext: String,
        cipher: &TokenCipher,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c = self.inner.clone();
        let cipher = cipher.inner.clone();
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::awaitable(py, async move { Ok(LivenessResult::new(attempt_liveness_refresh(&c, &cipher, &ct).await)) })
    }
    fn __repr__(&self) -> String {
        format!(
            "AsyncClient(client_id={:?}, token_endpoint={:?})",
            self.inner.config().client_id(),
            self.inner.config().token_endpoint().as_str()
        )
    }
}

/// OpenID discovery: a `PasConfig` from `{issuer}/.well-known/openid-configuration`.
#[pyfunction]
#[pyo3(signature = (issuer, client_id, redirect_uri, *, connect_timeout = None, request_timeout = None))]
pub(crate) fn discover(
    py: Python<'_>,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
) -> PyResult<PasConfig> {
    let http = http_options(py, connect_timeout, request_timeout)?;
    rt::block_on(py, async {
        pas_core::discover(&issuer, client_id, redirect_uri, http).await.map(|inner| PasConfig { inner })
    })
}

/// `discover` as an awaitable.
#[pyfunction]
#[pyo3(signature = (issuer, client_id, redirect_uri, *, connect_timeout = None, request_timeout = None))]
pub(crate) fn discover_async(
    py: Python<'_>,
    issuer: String,
    client_id: String,
    redirect_uri: String,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
) -> PyResult<Bound<'_, PyAny>> {
    let http = http_options(py, connect_timeout, request_timeout)?;
    rt::awaitable(py, async move {
        pas_core::discover(&issuer, client_id, redirect_uri, http).await.map(|inner| PasConfig { inner })
    })
}
