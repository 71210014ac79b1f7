//! `pas.testing`: test doubles for hosts' tests (never for production): a scripted PAS and a
//! shared effect log.

use std::sync::Arc;

use pas_core::testing::{EffectLog as CoreLog, ScriptedPas as CoreScripted, unsigned_access_token as core_unsigned};
use pas_core::{ErrorCode, PasFailure, PasPort, TokenResponse};
use pyo3::prelude::*;

use crate::errors::py_err;
use crate::jwt::seconds;

fn json_value(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let text: String = py.import("json")?.call_method1("dumps", (obj,))?.extract()?;
    serde_json::from_str(&text).map_err(|_| py_err(py, ErrorCode::InvalidArgument, "claims must be JSON-serializable"))
}

/// An ordered log of effects shared by test doubles (`push`, `entries`, `take`). Test-only.
#[pyclass(frozen, module = "pas.testing")]
pub(crate) struct EffectLog {
    inner: CoreLog,
}

#[pymethods]
impl EffectLog {
    #[new]
    fn new() -> Self {
        Self { inner: CoreLog::new() }
    }
    fn push(&self, entry: String) {
        self.inner.push(entry);
    }
    fn entries(&self) -> Vec<String> {
        self.inner.entries()
    }
    /// Returns the entries and empties the log.
    fn take(&self) -> Vec<String> {
        self.inner.take()
    }
    fn __repr__(&self) -> String {
        format!("EffectLog(entries={})", self.inner.entries().len())
    }
}

/// A scripted PAS double (test-only): each refresh pops the next scripted answer. A call with
/// nothing scripted is answered `pas_transport` and counted in `unexpected_calls`. Writes
/// `refresh_at_pas` to `log` on every call. Pass it as `pas=` to `SessionValidator`.
#[pyclass(frozen, module = "pas.testing")]
pub(crate) struct ScriptedPas {
    inner: Arc<CoreScripted>,
}

impl ScriptedPas {
    pub(crate) fn port(&self) -> Arc<dyn PasPort> {
        self.inner.clone()
    }
}

#[pymethods]
impl ScriptedPas {
    #[new]
    #[pyo3(signature = (log = None))]
    fn new(log: Option<&EffectLog>) -> Self {
        let inner = match log {
            Some(log) => CoreScripted::with_log(log.inner.clone()),
            None => CoreScripted::new(),
        };
        Self { inner: Arc::new(inner) }
    }
    /// Scripts a successful refresh whose (unsigned) access token carries `claims`.
    #[pyo3(signature = (claims, refresh_token = None))]
    fn refresh_ok(&self, py: Python<'_>, claims: &Bound<'_, PyAny>, refresh_token: Option<&str>) -> PyResult<()> {
        self.inner.refresh_ok(&json_value(py, claims)?, refresh_token);
        Ok(())
    }
    /// Scripts a successful refresh with a given access token; `expected_token`, when given,
    /// must be the refresh token sent (else PAS answers 400 invalid_grant).
    #[pyo3(signature = (access_token, refresh_token = None, expected_token = None))]
    fn expect_refresh(&self, access_token: String, refresh_token: Option<String>, expected_token: Option<&str>) {
        self.inner.expect_refresh(expected_token, Ok(TokenResponse::new(access_token, refresh_token)));
    }
    /// Scripts a 4xx answer.
    #[pyo3(signature = (status = 400, error = Some("invalid_grant".to_owned())))]
    fn reject(&self, status: u16, error: Option<String>) {
        self.inner.refresh_fails(PasFailure::from_status(status, error, None));
    }
    /// Scripts a 5xx/408/429 answer.
    #[pyo3(signature = (status = 503, retry_after = None))]
    fn server_error(&self, py: Python<'_>, status: u16, retry_after: Option<f64>) -> PyResult<()> {
        let retry = retry_after.map(|r| seconds(py, r, "retry_after must be non-negative")).transpose()?;
        self.inner.refresh_fails(PasFailure::from_status(status, None, retry));
        Ok(())
    }
    /// Scripts a transport failure: `pas_transport`, `pas_timeout` or `pas_bad_response`.
    #[pyo3(signature = (code = "pas_transport"))]
    fn transport(&self, py: Python<'_>, code: &str) -> PyResult<()> {
        let code = match code {
            "pas_transport" => ErrorCode::PasTransport,
            "pas_timeout" => ErrorCode::PasTimeout,
            "pas_bad_response" => ErrorCode::PasBadResponse,
            _ => return Err(py_err(py, ErrorCode::InvalidArgument, "code must be a transport-class code")),
        };
        self.inner.refresh_fails(PasFailure::Transport { code, detail: "scripted failure".into() });
        Ok(())
    }
    /// Makes every call wait this long (seconds) before answering.
    fn set_delay(&self, py: Python<'_>, seconds: f64) -> PyResult<()> {
        self.inner.set_delay(crate::jwt::seconds(py, seconds, "delay must be non-negative")?);
        Ok(())
    }
    /// How many refresh calls were made.
    #[getter]
    fn call_count(&self) -> usize {
        self.inner.call_count()
    }
    /// Calls made with nothing scripted.
    #[getter]
    fn unexpected_calls(&self) -> usize {
        self.inner.unexpected_calls()
    }
    /// Scripted answers not yet consumed.
    #[getter]
    fn remaining(&self) -> usize {
        self.inner.remaining()
    }
    /// The refresh tokens sent, in order (test-only: these are plaintext tokens).
    fn tokens_sent(&self) -> Vec<String> {
        self.inner.tokens_sent()
    }
    fn __repr__(&self) -> String {
        format!("ScriptedPas(remaining={}, calls={})", self.inner.remaining(), self.inner.call_count())
    }
}

/// An access token whose payload is `claims` and whose signature is a placeholder (test-only;
/// never accepted by a verifier, enough for the session path, which reads `sv` unverified).
#[pyfunction]
pub(crate) fn unsigned_access_token(py: Python<'_>, claims: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(core_unsigned(&json_value(py, claims)?))
}
