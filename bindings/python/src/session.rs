//! The session machine for the Python drivers (`pas.session`): `SessionCheck`, its `Step`s, the
//! core's PAS-refresh effect (`SessionValidatorCore.refresh_at_pas`, single flight included) and
//! the built-in `MemorySvCache`.
//!
//! The drivers in `pas/session.py` are loops that read `check.step`, carry the effect out (store
//! and cache calls in Python, the PAS refresh here) and feed the result back. They never decide.

use std::sync::{Arc, Mutex, PoisonError};

use pas_core::ErrorCode;
use pas_core::PasPort;
use pas_core::cipher::EncryptedRefreshToken;
use pas_core::session::{
    ExpiredCause, Feed, MemorySvCache as CoreCache, Outcome, RefreshFeed, SessionCheck as CoreCheck, SessionSnapshot,
    SessionValidator, Step as CoreStep,
};
use pas_core::sv_claim::SvClaim;
use pyo3::prelude::*;

use crate::crypto::TokenCipher;
use crate::errors::{py_err, to_py_err};
use crate::jwt::seconds;
use crate::oauth::{AsyncClient, Client, LivenessResult};
use crate::rt;
use crate::testing::ScriptedPas;

/// The built-in per-process `sv` cache (entries expire after their TTL). Its `get`/`set` have the
/// shape of the cache protocol (and of a Redis client): `get(key) -> int | None`,
/// `set(key, value, ex=seconds)`. Thread-safe.
#[pyclass(frozen, module = "pas")]
pub(crate) struct MemorySvCache {
    inner: Arc<CoreCache>,
}

#[pymethods]
impl MemorySvCache {
    #[new]
    fn new() -> Self {
        Self { inner: Arc::new(CoreCache::new()) }
    }
    /// The cached value, or None when absent or expired.
    fn get(&self, key: &str) -> Option<i64> {
        self.inner.get(key)
    }
    /// Caches `value` under `key` for `ex` seconds (default 60).
    #[pyo3(signature = (key, value, ex = 60.0))]
    fn set(&self, py: Python<'_>, key: &str, value: i64, ex: f64) -> PyResult<()> {
        self.inner.set(key, value, seconds(py, ex, "ex must be a non-negative number of seconds")?);
        Ok(())
    }
    /// Drops every entry.
    fn clear(&self) {
        self.inner.clear();
    }
    fn __repr__(&self) -> String {
        "MemorySvCache()".to_owned()
    }
}

/// One effect the machine asks for, or (`kind == "done"`) its outcome. Frozen.
///
/// Kinds: `find_session`, `load_cache`, `fetch_ciphertext`, `refresh_at_pas`, `persist`,
/// `record_cache`, `refetch`, `done`. `repr()` never shows a ciphertext.
#[pyclass(frozen, module = "pas")]
pub(crate) struct Step {
    inner: CoreStep,
}

#[pymethods]
impl Step {
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.inner {
            CoreStep::FindSession { .. } => "find_session",
            CoreStep::LoadCache { .. } => "load_cache",
            CoreStep::FetchCiphertext { .. } => "fetch_ciphertext",
            CoreStep::RefreshAtPas { .. } => "refresh_at_pas",
            CoreStep::Persist { .. } => "persist",
            CoreStep::RecordCache { .. } => "record_cache",
            CoreStep::Refetch { .. } => "refetch",
            _ => "done",
        }
    }
    /// The session id (store steps and `refresh_at_pas`).
    #[getter]
    fn session_id(&self) -> Option<&str> {
        match &self.inner {
            CoreStep::FindSession { session_id }
            | CoreStep::FetchCiphertext { session_id }
            | CoreStep::RefreshAtPas { session_id, .. }
            | CoreStep::Persist { session_id, .. }
            | CoreStep::Refetch { session_id } => Some(session_id),
            _ => None,
        }
    }
    /// The cache key `sv:{ppnum_id}` (`load_cache`, `record_cache`).
    #[getter]
    fn key(&self) -> Option<&str> {
        match &self.inner {
            CoreStep::LoadCache { key } | CoreStep::RecordCache { key, .. } => Some(key),
            _ => None,
        }
    }
    /// The `sv` to persist / record, or the authenticated session's `sv` when done.
    #[getter]
    fn sv(&self) -> Option<i64> {
        match &self.inner {
            CoreStep::Persist { sv, .. } | CoreStep::RecordCache { sv, .. } => Some(*sv),
            CoreStep::Done(Outcome::Authenticated { sv, .. }) => Some(*sv),
            _ => None,
        }
    }
    /// The cache TTL in seconds (`record_cache`: always 60).
    #[getter]
    fn ttl(&self) -> Option<u64> {
        match &self.inner {
            CoreStep::RecordCache { ttl, .. } => Some(ttl.as_secs()),
            _ => None,
        }
    }
    /// The stored ciphertext to refresh (`refresh_at_pas`).
    #[getter]
    fn ciphertext(&self) -> Option<&str> {
        match &self.inner {
            CoreStep::RefreshAtPas { ciphertext, .. } => Some(ciphertext.as_str()),
            _ => None,
        }
    }
    /// The rotated refresh token's new ciphertext to store with the `sv` (`persist`), if any.
    #[getter]
    fn rotated_ciphertext(&self) -> Option<&str> {
        match &self.inner {
            CoreStep::Persist { rotated_ciphertext, .. } => rotated_ciphertext.as_ref().map(|c| c.as_str()),
            _ => None,
        }
    }
    /// When done: `"authenticated"`, `"expired"` or `"failed"`.
    #[getter]
    fn outcome(&self) -> Option<&'static str> {
        match &self.inner {
            CoreStep::Done(Outcome::Authenticated { .. }) => Some("authenticated"),
            CoreStep::Done(Outcome::Expired(_)) => Some("expired"),
            CoreStep::Done(_) => Some("failed"),
            _ => None,
        }
    }
    /// When expired: the stable cause code (`pas_rejected`, `sv_missing`, ...).
    #[getter]
    fn cause(&self) -> Option<&'static str> {
        match &self.inner {
            CoreStep::Done(Outcome::Expired(cause)) => Some(cause.as_str()),
            _ => None,
        }
    }
    /// When authenticated: whether PAS was asked.
    #[getter]
    fn refreshed(&self) -> bool {
        matches!(&self.inner, CoreStep::Done(Outcome::Authenticated { refreshed: true, .. }))
    }
    /// When failed: the exception to raise (`StoreFailedError`, `InvalidStateError`, ...).
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        match &self.inner {
            CoreStep::Done(Outcome::Failed(err)) => Some(to_py_err(py, err).into_value(py).into_any()),
            _ => None,
        }
    }
    fn __repr__(&self) -> String {
        match &self.inner {
            CoreStep::Done(_) => {
                format!("Step(kind='done', outcome={:?}, cause={:?}, sv={:?})", self.outcome(), self.cause(), self.sv())
            }
            _ => format!(
                "Step(kind={:?}, session_id={:?}, key={:?}, sv={:?})",
                self.kind(),
                self.session_id(),
                self.key(),
                self.sv()
            ),
        }
    }
}

/// What the PAS-refresh effect produced; feed it back with `SessionCheck.feed_refresh`.
#[pyclass(frozen, module = "pas")]
pub(crate) struct RefreshResult {
    inner: RefreshFeed,
}

#[pymethods]
impl RefreshResult {
    /// `decrypt_failed`, `rejected`, `unavailable`, `encrypt_failed` or `refreshed`.
    #[getter]
    fn kind(&self) -> &'static str {
        match &self.inner {
            RefreshFeed::DecryptFailed => "decrypt_failed",
            RefreshFeed::Rejected => "rejected",
            RefreshFeed::Unavailable => "unavailable",
            RefreshFeed::EncryptFailed => "encrypt_failed",
            _ => "refreshed",
        }
    }
    /// The refreshed `sv`, when it is a valid integer.
    #[getter]
    fn sv(&self) -> Option<i64> {
        match &self.inner {
            RefreshFeed::Refreshed { sv: SvClaim::Value(v), .. } => Some(*v),
            _ => None,
        }
    }
    fn __repr__(&self) -> String {
        format!("RefreshResult(kind={:?}, sv={:?})", self.kind(), self.sv())
    }
}

/// One session check in progress (the sans-IO machine). Read `step`, carry it out, feed the
/// result with the matching `feed_*` method (each returns the next step), until `kind == "done"`.
/// A feed that does not answer the current step ends the check `failed` (`invalid_state`).
#[pyclass(frozen, module = "pas")]
pub(crate) struct SessionCheck {
    inner: Mutex<CoreCheck>,
}

impl SessionCheck {
    fn feed(&self, feed: Feed) -> Step {
        let mut check = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Step { inner: check.feed(feed).clone() }
    }
}

#[pymethods]
impl SessionCheck {
    /// Starts a check of `session_id` (without a cipher every refresh path ends `no_cipher`).
    #[new]
    #[pyo3(signature = (session_id, cipher_configured = true))]
    fn new(session_id: String, cipher_configured: bool) -> Self {
        Self { inner: Mutex::new(CoreCheck::new(session_id, cipher_configured)) }
    }
    /// The current step.
    #[getter]
    fn step(&self) -> Step {
        Step { inner: self.inner.lock().unwrap_or_else(PoisonError::into_inner).step().clone() }
    }
    /// Answer to `find_session` / `refetch`: the session was found.
    #[pyo3(signature = (ppnum_id, sv))]
    fn feed_session(&self, ppnum_id: String, sv: Option<i64>) -> Step {
        self.feed(Feed::Session(Some(SessionSnapshot { ppnum_id, sv })))
    }
    /// Answer to `find_session` / `refetch`: there is no such session.
    fn feed_no_session(&self) -> Step {
        self.feed(Feed::Session(None))
    }
    /// Answer to any store step: the store failed.
    fn feed_store_failed(&self) -> Step {
        self.feed(Feed::StoreFailed)
    }
    /// Answer to `load_cache`: the value, or None on miss, expiry or cache error.
    fn feed_cache(&self, value: Option<i64>) -> Step {
        self.feed(Feed::Cache(value))
    }
    /// Answer to `fetch_ciphertext`: the stored ciphertext, or None when the session has none.
    fn feed_ciphertext(&self, ciphertext: Option<String>) -> Step {
        self.feed(Feed::Ciphertext(ciphertext.map(EncryptedRefreshToken::from_stored)))
    }
    /// Answer to `refresh_at_pas`.
    fn feed_refresh(&self, result: &RefreshResult) -> Step {
        self.feed(Feed::Refresh(result.inner.clone()))
    }
    /// Answer to `persist`: the write succeeded.
    fn feed_persisted(&self) -> Step {
        self.feed(Feed::Persisted)
    }
    /// Answer to `record_cache` (whether or not the cache accepted it).
    fn feed_cache_recorded(&self) -> Step {
        self.feed(Feed::CacheRecorded)
    }
    fn __repr__(&self) -> String {
        let check = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        format!("SessionCheck(session_id={:?})", check.session_id())
    }
}

/// What every driver shares: the PAS port (a `Client`, `AsyncClient` or `pas.testing.ScriptedPas`),
/// the refresh-token cipher and the single-flight table. `pas.SessionValidator` wraps it.
#[pyclass(frozen, module = "pas")]
pub(crate) struct SessionValidatorCore {
    inner: SessionValidator,
}

fn pas_port(py: Python<'_>, pas: &Bound<'_, PyAny>) -> PyResult<Arc<dyn PasPort>> {
    if let Ok(c) = pas.cast::<Client>() {
        return Ok(Arc::new(c.get().inner.clone()));
    }
    if let Ok(c) = pas.cast::<AsyncClient>() {
        return Ok(Arc::new(c.get().inner.clone()));
    }
    if let Ok(s) = pas.cast::<ScriptedPas>() {
        return Ok(s.get().port());
    }
    Err(py_err(py, ErrorCode::InvalidArgument, "pas must be a pas.Client, pas.AsyncClient or pas.testing.ScriptedPas"))
}

#[pymethods]
impl SessionValidatorCore {
    #[new]
    #[pyo3(signature = (pas, cipher = None, cache = None))]
    fn new(
        py: Python<'_>,
        pas: &Bound<'_, PyAny>,
        cipher: Option<&TokenCipher>,
        cache: Option<&MemorySvCache>,
    ) -> PyResult<Self> {
        let mut builder = SessionValidator::builder(pas_port(py, pas)?);
        if let Some(cipher) = cipher {
            builder = builder.cipher(cipher.inner.clone());
        }
        if let Some(cache) = cache {
            builder = builder.cache(cache.inner.clone());
        }
        Ok(Self { inner: builder.build() })
    }
    /// Whether a refresh-token cipher is configured.
    #[getter]
    fn has_cipher(&self) -> bool {
        self.inner.has_cipher()
    }
    /// Starts a check of `session_id`.
    fn start(&self, session_id: String) -> SessionCheck {
        SessionCheck { inner: Mutex::new(self.inner.start(&session_id)) }
    }
    /// The `refresh_at_pas` effect: decrypt, refresh at PAS, classify, read `sv`, re-encrypt a
    /// rotated token. Concurrent calls for one session share one PAS call. Releases the GIL.
    fn refresh_at_pas(&self, py: Python<'_>, session_id: String, ciphertext: String) -> PyResult<RefreshResult> {
        let v = &self.inner;
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::block_on_infallible(py, async { RefreshResult { inner: v.refresh_at_pas(&session_id, &ct).await } })
    }
    /// `refresh_at_pas` as an awaitable.
    fn refresh_at_pas_async<'py>(
        &self,
        py: Python<'py>,
        session_id: String,
        ciphertext: String,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = self.inner.clone();
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::awaitable(py, async move { Ok(RefreshResult { inner: v.refresh_at_pas(&session_id, &ct).await }) })
    }
    /// The fail-open liveness refresh with this validator's PAS port and cipher.
    fn liveness_refresh(&self, py: Python<'_>, ciphertext: String) -> PyResult<LivenessResult> {
        let v = &self.inner;
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::block_on_infallible(py, async { LivenessResult::new(v.liveness_refresh(&ct).await) })
    }
    /// `liveness_refresh` as an awaitable.
    fn liveness_refresh_async<'py>(&self, py: Python<'py>, ciphertext: String) -> PyResult<Bound<'py, PyAny>> {
        let v = self.inner.clone();
        let ct = EncryptedRefreshToken::from_stored(ciphertext);
        rt::awaitable(py, async move { Ok(LivenessResult::new(v.liveness_refresh(&ct).await)) })
    }
    fn __repr__(&self) -> String {
        format!("SessionValidatorCore(cipher={})", self.inner.has_cipher())
    }
}

/// Every Expired cause code, in numeric order.
pub(crate) fn expired_causes() -> Vec<&'static str> {
    ExpiredCause::ALL.iter().map(|c| c.as_str()).collect()
}

/// The spec-fixed `sv` cache TTL in seconds.
pub(crate) const SV_CACHE_TTL_SECS: u64 = pas_core::session::SV_CACHE_TTL.as_secs();
