//! `Verifier` (RFC 9068 access tokens against a JWKS) and its frozen result, `VerifiedToken`.

use std::time::Duration;

use pas_core::http::HttpOptions;
use pas_core::jwt::{Algorithm, Profile};
use pas_core::{ErrorCode, VerifiedToken as CoreToken};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::errors::{IntoPy, py_err};
use crate::rt;

pub(crate) fn seconds(py: Python<'_>, value: f64, what: &'static str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| py_err(py, ErrorCode::InvalidArgument, what))
}

pub(crate) fn http_options(py: Python<'_>, connect: Option<f64>, request: Option<f64>) -> PyResult<HttpOptions> {
    let mut http = HttpOptions::default();
    if let Some(c) = connect {
        http.connect_timeout = seconds(py, c, "connect_timeout must be a non-negative number of seconds")?;
    }
    if let Some(r) = request {
        http.request_timeout = seconds(py, r, "request_timeout must be a non-negative number of seconds")?;
    }
    Ok(http)
}

/// A verified access token: the claims pas checked, never the raw token. Frozen.
#[pyclass(frozen, eq, module = "pas")]
#[derive(PartialEq)]
pub(crate) struct VerifiedToken {
    inner: CoreToken,
}

#[pymethods]
impl VerifiedToken {
    /// `sub`: the ppnum id of the account.
    #[getter]
    fn subject(&self) -> &str {
        self.inner.subject()
    }
    /// `sv`: the session version, None when the token has none.
    #[getter]
    fn sv(&self) -> Option<i64> {
        self.inner.sv()
    }
    /// `sid`: the PAS session id, when present.
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.inner.session_id()
    }
    /// `client_id`.
    #[getter]
    fn client_id(&self) -> &str {
        self.inner.client_id()
    }
    /// The `scope` claim, split on spaces.
    #[getter]
    fn scopes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.scopes())
    }
    /// Whether `scope` holds this exact scope.
    fn has_scope(&self, scope: &str) -> bool {
        self.inner.has_scope(scope)
    }
    /// `exp`, Unix seconds.
    #[getter]
    fn expires_at(&self) -> u64 {
        self.inner.expires_at()
    }
    /// `iat`, Unix seconds.
    #[getter]
    fn issued_at(&self) -> u64 {
        self.inner.issued_at()
    }
    /// `nbf`, Unix seconds, when present.
    #[getter]
    fn not_before(&self) -> Option<u64> {
        self.inner.not_before()
    }
    /// `jti`.
    #[getter]
    fn jwt_id(&self) -> &str {
        self.inner.jwt_id()
    }
    /// `iss`.
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.issuer()
    }
    /// The header `kid`, when present.
    #[getter]
    fn key_id(&self) -> Option<&str> {
        self.inner.key_id()
    }
    /// `aud`, always as a tuple.
    #[getter]
    fn audiences<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.audiences())
    }
    /// The algorithm the signature was verified with (`"EdDSA"`, `"ES256"`, `"RS256"`, `"PS256"`).
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.inner.algorithm().as_str()
    }
    fn __repr__(&self) -> String {
        format!(
            "VerifiedToken(subject={:?}, sv={:?}, session_id={:?}, client_id={:?}, scopes={:?}, expires_at={}, algorithm={:?})",
            self.inner.subject(),
            self.inner.sv(),
            self.inner.session_id(),
            self.inner.client_id(),
            self.inner.scopes(),
            self.inner.expires_at(),
            self.inner.algorithm().as_str()
        )
    }
}

/// Verifies PAS access tokens (RFC 9068 JWTs, EdDSA by default) against a JWKS.
///
/// Give exactly one key source: `jwks_url` (fetched lazily, cached per `Cache-Control`, refetched
/// on an unknown `kid` at most once per `min_refetch_interval`) or `jwks` (a dict or JSON string).
/// Thread-safe: share one per process. `verify` releases the GIL; failures raise a `TokenError`
/// subclass whose `.code` is the stable code (`token_expired`, `signature_invalid`, ...).
#[pyclass(frozen, module = "pas")]
pub(crate) struct Verifier {
    inner: pas_core::Verifier,
    is_static: bool,
}

#[pymethods]
impl Verifier {
    #[new]
    #[pyo3(signature = (issuer, audience, *, jwks_url = None, jwks = None, algorithms = None, leeway = 60.0,
        profile = "rfc9068", require_typ = true, max_token_bytes = 8192, min_refetch_interval = 30.0,
        connect_timeout = None, request_timeout = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        issuer: String,
        audience: String,
        jwks_url: Option<String>,
        jwks: Option<Bound<'_, PyAny>>,
        algorithms: Option<Vec<String>>,
        leeway: f64,
        profile: &str,
        require_typ: bool,
        max_token_bytes: usize,
        min_refetch_interval: f64,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let mut builder = pas_core::Verifier::builder(issuer, audience)
            .leeway(seconds(py, leeway, "leeway must be a non-negative number of seconds")?)
            .require_typ(require_typ)
            .max_token_bytes(max_token_bytes)
            .min_refetch_interval(seconds(py, min_refetch_interval, "min_refetch_interval must be non-negative")?);
        builder = builder.profile(match profile {
            "rfc9068" => Profile::Rfc9068,
            "pas" => Profile::Pas,
            _ => return Err(py_err(py, ErrorCode::InvalidConfig, "profile must be \"rfc9068\" or \"pas\"")),
        });
        if let Some(names) = algorithms {
            let mut algs = Vec::with_capacity(names.len());
            for name in &names {
                algs.push(Algorithm::from_name(name).ok_or_else(|| {
                    py_err(py, ErrorCode::InvalidConfig, "algorithms may hold only EdDSA, ES256, RS256, PS256")
                })?);
            }
            builder = builder.algorithms(&algs);
        }
        let is_static = jwks.is_some();
        if let Some(jwks) = jwks {
            let text: String = if jwks.is_instance_of::<PyString>() {
                jwks.extract()?
            } else if jwks.is_instance_of::<PyDict>() {
                py.import("json")?.call_method1("dumps", (jwks,))?.extract()?
            } else {
                return Err(py_err(py, ErrorCode::InvalidArgument, "jwks must be a dict or a JSON string"));
            };
            builder = builder.jwks_json(&text);
        }
        if let Some(url) = jwks_url {
            builder = builder.jwks_url(url, http_options(py, connect_timeout, request_timeout)?);
        }
        let inner = builder.build().py_err(py)?;
        Ok(Self { inner, is_static })
    }

    /// The expected issuer.
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.issuer()
    }

    /// The expected audience.
    #[getter]
    fn audience(&self) -> &str {
        self.inner.audience()
    }

    /// Whether a key set is in hand.
    #[getter]
    fn has_keys(&self) -> bool {
        self.inner.has_keys()
    }

    /// Verifies a token, fetching the JWKS when needed. Releases the GIL.
    fn verify(&self, py: Python<'_>, token: String) -> PyResult<VerifiedToken> {
        let inner = &self.inner;
        let out = if self.is_static {
            py.detach(|| inner.verify_cached(&token)).py_err(py)?
        } else {
            rt::block_on(py, inner.verify(&token))?
        };
        Ok(VerifiedToken { inner: out })
    }

    /// `verify` with a fixed clock (Unix seconds), for tests.
    fn verify_at(&self, py: Python<'_>, token: String, now: u64) -> PyResult<VerifiedToken> {
        let inner = &self.inner;
        let out = if self.is_static {
            py.detach(|| inner.verify_cached_at(&token, now)).py_err(py)?
        } else {
            rt::block_on(py, inner.verify_at(&token, now))?
        };
        Ok(VerifiedToken { inner: out })
    }

    /// Verifies with the keys in hand, never touching the network.
    fn verify_cached(&self, py: Python<'_>, token: String) -> PyResult<VerifiedToken> {
        let inner = &self.inner;
        let out = py.detach(|| inner.verify_cached(&token)).py_err(py)?;
        Ok(VerifiedToken { inner: out })
    }

    /// `verify` as an awaitable (for asyncio code: never blocks the event loop).
    fn verify_async<'py>(&self, py: Python<'py>, token: String) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        rt::awaitable(py, async move { inner.verify(&token).await.map(|t| VerifiedToken { inner: t }) })
    }

    /// Fetches the JWKS now (no-op for static keys). Releases the GIL.
    fn prefetch(&self, py: Python<'_>) -> PyResult<()> {
        rt::block_on(py, self.inner.prefetch())
    }

    /// `prefetch` as an awaitable.
    fn prefetch_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let inner = self.inner.clone();
        rt::awaitable(py, async move { inner.prefetch().await })
    }

    fn __repr__(&self) -> String {
        format!("Verifier(issuer={:?}, audience={:?})", self.inner.issuer(), self.inner.audience())
    }
}
