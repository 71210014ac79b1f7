//! Session validation: the validator, the blocking callback driver (`pas_session_validate`) and
//! the step-by-step machine (`pas_session_check_*`).

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use pas_core::rt::OwnedRuntime;
use pas_core::session::{
    ExpiredCause, Feed, MemorySvCache, Outcome, SessionCheck, SessionSnapshot, SessionValidator, Step,
};
use pas_core::{EncryptedRefreshToken, Error, ErrorCode, PasPort};

use crate::client::{liveness_result, pas_client, pas_liveness_result};
use crate::codes::{
    PAS_CAUSE_NONE, PAS_DECISION_AUTHENTICATED, PAS_DECISION_EXPIRED, PAS_DECISION_NO_COOKIE, PAS_STEP_DONE,
    PAS_STEP_FETCH_CIPHERTEXT, PAS_STEP_FIND_SESSION, PAS_STEP_LOAD_CACHE, PAS_STEP_PERSIST, PAS_STEP_RECORD_CACHE,
    PAS_STEP_REFETCH, PAS_STEP_REFRESH_AT_PAS, PAS_STORE_NONE, PAS_STORE_OK, pas_cause, pas_decision, pas_status,
    pas_step_kind, pas_store_result,
};
use crate::crypto::pas_cipher;
use crate::error::pas_error;
use crate::ffi::{handle, handle_mut, into_handle, out, pas_str, put, str_in};

/// Validates sessions against PAS: the PAS port (a client, or the test-only scripted PAS), the
/// optional refresh-token cipher, the built-in 60 s memory `sv` cache, the single-flight table
/// (concurrent checks of one session share one PAS call) and the runtime the PAS refresh runs on.
///
/// Thread-safe: share one per process. Free with `pas_session_validator_free`.
pub struct pas_session_validator {
    pub(crate) validator: SessionValidator,
    pub(crate) rt: Arc<OwnedRuntime>,
    pub(crate) cache: Arc<MemorySvCache>,
}

impl std::fmt::Debug for pas_session_validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.validator.fmt(f)
    }
}

impl pas_session_validator {
    pub(crate) fn new(pas: Arc<dyn PasPort>, cipher: Option<&pas_cipher>, rt: Arc<OwnedRuntime>) -> Self {
        let cache = Arc::new(MemorySvCache::new());
        let mut builder = SessionValidator::builder(pas).cache(cache.clone());
        if let Some(c) = cipher {
            builder = builder.cipher(c.cipher.clone());
        }
        Self { validator: builder.build(), rt, cache }
    }
}

/// Creates a validator that refreshes at PAS through `client` (sharing its runtime and
/// connection pool) and decrypts refresh tokens with `cipher` (NULL: no cipher, every refresh
/// path ends Expired `no_cipher`).
///
/// Never blocks. Ownership: on OK `*out_validator` is owned by the caller
/// (`pas_session_validator_free`); it keeps what it needs of `client` and `cipher`, which may be
/// freed afterwards. Statuses: OK, NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_new(
    client: *const pas_client,
    cipher: *const pas_cipher,
    out_validator: *mut *mut pas_session_validator,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or live handles.
        let client = unsafe { handle(client, "client") }?;
        // SAFETY: NULL (no cipher) or a live handle.
        let cipher = unsafe { cipher.as_ref() };
        let out_validator = out(out_validator, "out_validator")?;
        let v = pas_session_validator::new(Arc::new(client.client.clone()), cipher, client.rt.clone());
        // SAFETY: checked out-pointer.
        unsafe { put(out_validator, into_handle(v)) };
        Ok(())
    })
}

/// Frees a validator. NULL is a no-op. May block up to 1 s (runtime shutdown) when it holds the
/// last reference to its runtime. Must not be called while a call on it is in progress.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_free(validator: *mut pas_session_validator) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(validator) }
    })
}

/// The liveness refresh with this validator's PAS port and cipher (without a cipher: REVOKED
/// `decrypt_failed`). As `pas_client_liveness_refresh`: **blocks**, statuses and ownership alike.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_liveness_refresh(
    validator: *const pas_session_validator,
    ciphertext: *const c_char,
    ciphertext_len: usize,
    out_result: *mut pas_liveness_result,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let v = unsafe { handle(validator, "validator") }?;
        let out_result = out(out_result, "out_result")?;
        // SAFETY: pointer + length per the documented contract.
        let stored = EncryptedRefreshToken::from_stored(unsafe { str_in(ciphertext, ciphertext_len, "ciphertext") }?);
        let outcome = v.rt.block_on(v.validator.liveness_refresh(&stored))?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_result, liveness_result(&outcome)) };
        Ok(())
    })
}

/// Reads the built-in memory `sv` cache (for step-by-step drivers without a cache of their
/// own): `*out_found` says whether `key` holds a live value, `*out_sv` is that value.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_cache_get(
    validator: *const pas_session_validator,
    key: *const c_char,
    key_len: usize,
    out_found: *mut bool,
    out_sv: *mut i64,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let v = unsafe { handle(validator, "validator") }?;
        let (out_found, out_sv) = (out(out_found, "out_found")?, out(out_sv, "out_sv")?);
        // SAFETY: pointer + length per the documented contract.
        let key = unsafe { str_in(key, key_len, "key") }?;
        let got = v.cache.get(key);
        // SAFETY: checked out-pointers.
        unsafe {
            put(out_found, got.is_some());
            put(out_sv, got.unwrap_or(0));
        }
        Ok(())
    })
}

/// Writes the built-in memory `sv` cache: `key` → `sv` for `ttl_s` seconds.
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_cache_set(
    validator: *const pas_session_validator,
    key: *const c_char,
    key_len: usize,
    sv: i64,
    ttl_s: u32,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let v = unsafe { handle(validator, "validator") }?;
        // SAFETY: pointer + length per the documented contract.
        let key = unsafe { str_in(key, key_len, "key") }?;
        v.cache.set(key, sv, Duration::from_secs(u64::from(ttl_s)));
        Ok(())
    })
}

/// Empties the built-in memory `sv` cache (tests, demos). Never blocks. Statuses: OK,
/// NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validator_cache_clear(validator: *const pas_session_validator) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        unsafe { handle(validator, "validator") }?.cache.clear();
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// The result of a check

/// The end of a session check. Every function that writes one first sets it to
/// `{PAS_DECISION_EXPIRED, PAS_CAUSE_NONE, 0, false}` (fail-closed), before any other work.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pas_session_result {
    /// `PAS_DECISION_AUTHENTICATED` only when the call returned OK and the session is live.
    pub decision: pas_decision,
    /// Why the session is Expired (`PAS_CAUSE_*`); `PAS_CAUSE_NONE` otherwise.
    pub cause: pas_cause,
    /// The session's `sv` when Authenticated (the new one after a refresh), else 0.
    pub sv: i64,
    /// Whether the check went through a PAS refresh (Authenticated only).
    pub refreshed: bool,
}

const EXPIRED_PRESET: pas_session_result =
    pas_session_result { decision: PAS_DECISION_EXPIRED, cause: PAS_CAUSE_NONE, sv: 0, refreshed: false };

fn preset(out_result: *mut pas_session_result) {
    if !out_result.is_null() {
        // SAFETY: the caller passes NULL or a writable pas_session_result (documented).
        unsafe { out_result.write(EXPIRED_PRESET) };
    }
}

/// Maps a finished machine to a result or the failure status.
fn result_of(outcome: &Outcome) -> Result<pas_session_result, Error> {
    match outcome {
        Outcome::Authenticated { sv, refreshed } => Ok(pas_session_result {
            decision: PAS_DECISION_AUTHENTICATED,
            cause: PAS_CAUSE_NONE,
            sv: *sv,
            refreshed: *refreshed,
        }),
        Outcome::Expired(cause) => Ok(expired(*cause)),
        Outcome::Failed(err) => Err(err.clone()),
        _ => Err(Error::new(ErrorCode::Internal, "unknown session outcome")),
    }
}

fn expired(cause: ExpiredCause) -> pas_session_result {
    pas_session_result { cause: cause.number(), ..EXPIRED_PRESET }
}

// ---------------------------------------------------------------------------------------------
// The callback driver

/// Where a store callback puts its answer: valid only during the callback; set with
/// `pas_store_reply_set_session` (find) or `pas_store_reply_set_ciphertext` (fetch). The data is
/// copied, so the callback may free its own memory as soon as the setter returns.
pub struct pas_store_reply {
    session: Option<SessionSnapshot>,
    ciphertext: Option<String>,
}

impl std::fmt::Debug for pas_store_reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pas_store_reply").field("session", &self.session).finish_non_exhaustive()
    }
}

/// The host's session store (and optionally its `sv` cache) as a table of callbacks, called
/// synchronously on the thread that called `pas_session_validate`, only during that call, never
/// on a pas runtime thread. Strings passed to callbacks are borrowed for the callback only and
/// are not NUL-terminated. Each callback returns `PAS_STORE_OK`, `PAS_STORE_NONE` or
/// `PAS_STORE_FAILED` (anything else counts as FAILED).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pas_session_store {
    /// Required. Finds a session (also the re-fetch after a refresh). On OK, call
    /// `pas_store_reply_set_session(reply, ppnum_id, ...)` (OK without it counts as FAILED);
    /// NONE: no such session.
    pub find_session: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            session_id: *const c_char,
            session_id_len: usize,
            reply: *mut pas_store_reply,
        ) -> pas_store_result,
    >,
    /// Required. The session's refresh-token ciphertext: on OK call
    /// `pas_store_reply_set_ciphertext`; NONE: the session has none.
    pub fetch_ciphertext: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            session_id: *const c_char,
            session_id_len: usize,
            reply: *mut pas_store_reply,
        ) -> pas_store_result,
    >,
    /// Required. One write: the new `sv` and, when `rotated_ciphertext` is not NULL, the rotated
    /// refresh token's ciphertext (D5). Must be idempotent. OK or FAILED.
    pub persist: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            session_id: *const c_char,
            session_id_len: usize,
            sv: i64,
            rotated_ciphertext: *const c_char,
            rotated_ciphertext_len: usize,
        ) -> pas_store_result,
    >,
    /// Optional (NULL together with `cache_store`: the validator's built-in memory cache).
    /// OK: `*out_sv` holds the cached value; NONE: miss; FAILED: counts as a miss.
    pub cache_load: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            key: *const c_char,
            key_len: usize,
            out_sv: *mut i64,
        ) -> pas_store_result,
    >,
    /// Optional (see `cache_load`). Stores `sv` under `key` for `ttl_s` seconds; best effort
    /// (the result is ignored).
    pub cache_store: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            key: *const c_char,
            key_len: usize,
            sv: i64,
            ttl_s: u32,
        ) -> pas_store_result,
    >,
}

/// From inside `find_session`: the session exists; `ppnum_id` is its PAS account id (`sub`),
/// `sv` its recorded session version when `has_sv` (a session without `sv` is always refreshed).
///
/// Never blocks. Ownership: copies the string. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_store_reply_set_session(
    reply: *mut pas_store_reply,
    ppnum_id: *const c_char,
    ppnum_id_len: usize,
    has_sv: bool,
    sv: i64,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or the live reply passed to the callback.
        let reply = unsafe { handle_mut(reply, "reply") }?;
        // SAFETY: pointer + length per the documented contract.
        let ppnum_id = unsafe { str_in(ppnum_id, ppnum_id_len, "ppnum_id") }?;
        reply.session = Some(SessionSnapshot { ppnum_id: ppnum_id.to_owned(), sv: has_sv.then_some(sv) });
        Ok(())
    })
}

/// From inside `fetch_ciphertext`: the stored ciphertext (as `pas_cipher_encrypt` produced it).
///
/// Never blocks. Ownership: copies the string. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_store_reply_set_ciphertext(
    reply: *mut pas_store_reply,
    ciphertext: *const c_char,
    ciphertext_len: usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or the live reply passed to the callback.
        let reply = unsafe { handle_mut(reply, "reply") }?;
        // SAFETY: pointer + length per the documented contract.
        let ct = unsafe { str_in(ciphertext, ciphertext_len, "ciphertext") }?;
        reply.ciphertext = Some(ct.to_owned());
        Ok(())
    })
}

struct Driver<'a> {
    v: &'a pas_session_validator,
    store: pas_session_store,
    userdata: *mut c_void,
}

impl Driver<'_> {
    fn find(&self, session_id: &str) -> Feed {
        let Some(find) = self.store.find_session else { return Feed::StoreFailed };
        let mut reply = pas_store_reply { session: None, ciphertext: None };
        // SAFETY: the host's callback, called with a borrowed string and a reply that outlives it.
        let r = unsafe { find(self.userdata, session_id.as_ptr().cast(), session_id.len(), &mut reply) };
        match (r, reply.session) {
            (PAS_STORE_OK, Some(s)) => Feed::Session(Some(s)),
            (PAS_STORE_NONE, _) => Feed::Session(None),
            _ => Feed::StoreFailed,
        }
    }

    fn fetch(&self, session_id: &str) -> Feed {
        let Some(fetch) = self.store.fetch_ciphertext else { return Feed::StoreFailed };
        let mut reply = pas_store_reply { session: None, ciphertext: None };
        // SAFETY: as in `find`.
        let r = unsafe { fetch(self.userdata, session_id.as_ptr().cast(), session_id.len(), &mut reply) };
        match (r, reply.ciphertext) {
            (PAS_STORE_OK, Some(ct)) => Feed::Ciphertext(Some(EncryptedRefreshToken::from_stored(ct))),
            (PAS_STORE_NONE, _) => Feed::Ciphertext(None),
            _ => Feed::StoreFailed,
        }
    }

    fn persist(&self, session_id: &str, sv: i64, rotated: Option<&EncryptedRefreshToken>) -> Feed {
        let Some(persist) = self.store.persist else { return Feed::StoreFailed };
        let (ptr, len) = rotated.map_or((std::ptr::null(), 0), |ct| (ct.as_str().as_ptr().cast(), ct.as_str().len()));
        // SAFETY: as in `find`.
        let r = unsafe { persist(self.userdata, session_id.as_ptr().cast(), session_id.len(), sv, ptr, len) };
        if r == PAS_STORE_OK { Feed::Persisted } else { Feed::StoreFailed }
    }

    fn load(&self, key: &str) -> Feed {
        match self.store.cache_load {
            None => Feed::Cache(self.v.cache.get(key)),
            Some(load) => {
                let mut sv = 0i64;
                // SAFETY: as in `find`; `sv` outlives the call.
                let r = unsafe { load(self.userdata, key.as_ptr().cast(), key.len(), &mut sv) };
                Feed::Cache((r == PAS_STORE_OK).then_some(sv))
            }
        }
    }

    fn record(&self, key: &str, sv: i64, ttl: Duration) -> Feed {
        match self.store.cache_store {
            None => self.v.cache.set(key, sv, ttl),
            Some(store) => {
                let ttl_s = u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX);
                // SAFETY: as in `find`. Best effort: the result is ignored.
                let _ = unsafe { store(self.userdata, key.as_ptr().cast(), key.len(), sv, ttl_s) };
            }
        }
        Feed::CacheRecorded
    }
}

/// Validates the session `session_id` (the cookie value), driving the host's store callbacks on
/// this thread (mirror of the core's `SessionValidator::validate`).
///
/// **Blocks**: callbacks run synchronously on this thread; a PAS refresh (when the cached `sv`
/// is stale or unknown) runs on the validator's runtime while this thread waits, within the
/// client's timeout. Never call it from a pas runtime thread (WOULD_DEADLOCK). Thread-safe: many
/// threads may validate with one validator at once; concurrent refreshes of one session share one
/// PAS call.
///
/// `*out_result` is set to EXPIRED/NONE on entry, before anything else. An empty `session_id`
/// (length 0) gives `PAS_DECISION_NO_COOKIE` without calling the store. Every policy outcome is a
/// decision on an OK call: Authenticated (with `sv`, `refreshed`) or Expired with a cause.
/// Statuses: OK; NULL_ARGUMENT (validator, store, out_result, session_id, or a required callback
/// missing); INVALID_ARGUMENT (only one of `cache_load`/`cache_store` given); INVALID_UTF8;
/// STORE_FAILED (the store failed on the first lookup or the re-fetch; decision stays EXPIRED);
/// WOULD_DEADLOCK; RUNTIME_UNAVAILABLE. Ownership: `store` and `userdata` are only used during
/// the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_validate(
    validator: *const pas_session_validator,
    store: *const pas_session_store,
    userdata: *mut c_void,
    session_id: *const c_char,
    session_id_len: usize,
    out_result: *mut pas_session_result,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        preset(out_result);
        let out_result = out(out_result, "out_result")?;
        // SAFETY: NULL or live handles / tables.
        let (v, store) = unsafe { (handle(validator, "validator")?, *handle(store, "store")?) };
        // SAFETY: pointer + length per the documented contract.
        let session_id = unsafe { str_in(session_id, session_id_len, "session_id") }?;
        if store.find_session.is_none() || store.fetch_ciphertext.is_none() || store.persist.is_none() {
            return Err(crate::ffi::null("store callback (find_session, fetch_ciphertext, persist)"));
        }
        if store.cache_load.is_some() != store.cache_store.is_some() {
            return Err(Error::new(ErrorCode::InvalidArgument, "cache_load and cache_store go together"));
        }
        if session_id.is_empty() {
            // SAFETY: checked out-pointer.
            unsafe { put(out_result, pas_session_result { decision: PAS_DECISION_NO_COOKIE, ..EXPIRED_PRESET }) };
            return Ok(());
        }
        let driver = Driver { v, store, userdata };
        let mut check = v.validator.start(session_id);
        loop {
            let feed = match check.step() {
                Step::FindSession { session_id } | Step::Refetch { session_id } => driver.find(session_id),
                Step::LoadCache { key } => driver.load(key),
                Step::FetchCiphertext { session_id } => driver.fetch(session_id),
                Step::RefreshAtPas { session_id, ciphertext } => {
                    Feed::Refresh(v.rt.block_on(v.validator.refresh_at_pas(session_id, ciphertext))?)
                }
                Step::Persist { session_id, sv, rotated_ciphertext } => {
                    driver.persist(session_id, *sv, rotated_ciphertext.as_ref())
                }
                Step::RecordCache { key, sv, ttl } => driver.record(key, *sv, *ttl),
                Step::Done(outcome) => {
                    let result = result_of(outcome)?;
                    // SAFETY: checked out-pointer.
                    unsafe { put(out_result, result) };
                    return Ok(());
                }
                _ => return Err(Error::new(ErrorCode::Internal, "unknown session step")),
            };
            check.feed(feed);
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The step-by-step machine

/// One session check in progress (the sans-IO machine). Not thread-safe: one thread at a time.
/// Loop: `pas_session_check_step`, carry the effect out, feed its result, until
/// `PAS_STEP_DONE`; then `pas_session_check_result`. Free with `pas_session_check_free`.
pub struct pas_session_check {
    check: SessionCheck,
}

impl std::fmt::Debug for pas_session_check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pas_session_check").field("session_id", &self.check.session_id()).finish()
    }
}

/// The effect a check asks for. String views point into the check and are valid until its next
/// feed (or free). Fields not used by `kind` are zero / `{NULL, 0}`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pas_step {
    /// `PAS_STEP_*`.
    pub kind: pas_step_kind,
    /// FIND_SESSION, FETCH_CIPHERTEXT, REFRESH_AT_PAS, PERSIST, REFETCH: the session id.
    pub session_id: pas_str,
    /// LOAD_CACHE, RECORD_CACHE: the cache key `sv:{ppnum_id}`.
    pub cache_key: pas_str,
    /// PERSIST, RECORD_CACHE: the new `sv`.
    pub sv: i64,
    /// PERSIST: the rotated ciphertext to store with `sv`; `data == NULL` when not rotated.
    pub rotated_ciphertext: pas_str,
    /// RECORD_CACHE: time to live in seconds (always 60).
    pub ttl_s: u32,
}

/// Starts a step-by-step check of `session_id` with this validator's rules.
///
/// Never blocks. Ownership: on OK `*out_check` is owned by the caller (`pas_session_check_free`);
/// it does not borrow the validator. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, INVALID_ARGUMENT
/// (empty session id: that is "no cookie", decided by the caller).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_new(
    validator: *const pas_session_validator,
    session_id: *const c_char,
    session_id_len: usize,
    out_check: *mut *mut pas_session_check,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let v = unsafe { handle(validator, "validator") }?;
        let out_check = out(out_check, "out_check")?;
        // SAFETY: pointer + length per the documented contract.
        let session_id = unsafe { str_in(session_id, session_id_len, "session_id") }?;
        if session_id.is_empty() {
            return Err(Error::new(ErrorCode::InvalidArgument, "the session id is empty (no cookie)"));
        }
        // SAFETY: checked out-pointer.
        unsafe { put(out_check, into_handle(pas_session_check { check: v.validator.start(session_id) })) };
        Ok(())
    })
}

/// Frees a check. NULL is a no-op. Never blocks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_free(check: *mut pas_session_check) {
    boundary!(value = (), {
        // SAFETY: NULL or a handle from this library, not yet freed.
        unsafe { crate::ffi::free_handle(check) }
    })
}

/// The effect to carry out next.
///
/// Never blocks. Ownership: views borrowed from `check` until its next feed. Statuses: OK,
/// NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_step(
    check: *const pas_session_check,
    out_step: *mut pas_step,
) -> pas_status {
    boundary!(status, {
        // SAFETY: NULL or a live handle.
        let c = unsafe { handle(check, "check") }?;
        let out_step = out(out_step, "out_step")?;
        let mut s = pas_step {
            kind: PAS_STEP_DONE,
            session_id: pas_str::ABSENT,
            cache_key: pas_str::ABSENT,
            sv: 0,
            rotated_ciphertext: pas_str::ABSENT,
            ttl_s: 0,
        };
        match c.check.step() {
            Step::FindSession { session_id } => {
                (s.kind, s.session_id) = (PAS_STEP_FIND_SESSION, pas_str::of(session_id))
            }
            Step::LoadCache { key } => (s.kind, s.cache_key) = (PAS_STEP_LOAD_CACHE, pas_str::of(key)),
            Step::FetchCiphertext { session_id } => {
                (s.kind, s.session_id) = (PAS_STEP_FETCH_CIPHERTEXT, pas_str::of(session_id));
            }
            Step::RefreshAtPas { session_id, .. } => {
                (s.kind, s.session_id) = (PAS_STEP_REFRESH_AT_PAS, pas_str::of(session_id));
            }
            Step::Persist { session_id, sv, rotated_ciphertext } => {
                (s.kind, s.session_id, s.sv) = (PAS_STEP_PERSIST, pas_str::of(session_id), *sv);
                s.rotated_ciphertext = pas_str::of_opt(rotated_ciphertext.as_ref().map(EncryptedRefreshToken::as_str));
            }
            Step::RecordCache { key, sv, ttl } => {
                (s.kind, s.cache_key, s.sv) = (PAS_STEP_RECORD_CACHE, pas_str::of(key), *sv);
                s.ttl_s = u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX);
            }
            Step::Refetch { session_id } => (s.kind, s.session_id) = (PAS_STEP_REFETCH, pas_str::of(session_id)),
            _ => {}
        }
        // SAFETY: checked out-pointer.
        unsafe { put(out_step, s) };
        Ok(())
    })
}

/// Feeds a result; INVALID_STATE when it did not answer the current step (the check is then
/// over, failed, never Authenticated).
unsafe fn feed(check: *mut pas_session_check, feed: Feed) -> Result<(), Error> {
    // SAFETY: NULL or a live, unshared handle.
    let c = unsafe { handle_mut(check, "check") }?;
    let was_done = matches!(c.check.step(), Step::Done(_));
    match c.check.feed(feed) {
        Step::Done(Outcome::Failed(e)) if e.code() == ErrorCode::InvalidState => Err(e.clone()),
        _ if was_done => Err(Error::new(ErrorCode::InvalidState, "the check is already over")),
        _ => Ok(()),
    }
}

/// Answers FIND_SESSION / REFETCH: the session exists (`sv` valid when `has_sv`).
///
/// Never blocks. Statuses: OK, NULL_ARGUMENT, INVALID_UTF8, INVALID_STATE (not the current
/// step: the check ends failed).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_session(
    check: *mut pas_session_check,
    ppnum_id: *const c_char,
    ppnum_id_len: usize,
    has_sv: bool,
    sv: i64,
) -> pas_status {
    boundary!(status, {
        // SAFETY: pointer + length per the documented contract.
        let ppnum_id = unsafe { str_in(ppnum_id, ppnum_id_len, "ppnum_id") }?;
        let snap = SessionSnapshot { ppnum_id: ppnum_id.to_owned(), sv: has_sv.then_some(sv) };
        // SAFETY: forwarded contract.
        unsafe { feed(check, Feed::Session(Some(snap))) }
    })
}

/// Answers FIND_SESSION / REFETCH: no such session. As `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_no_session(check: *mut pas_session_check) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::Session(None)) } })
}

/// Answers any store step (FIND_SESSION, FETCH_CIPHERTEXT, PERSIST, REFETCH): the store failed.
/// As `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_store_failed(check: *mut pas_session_check) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::StoreFailed) } })
}

/// Answers LOAD_CACHE: `found` with the cached `sv`, or a miss (a cache error is a miss).
/// As `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_cache(
    check: *mut pas_session_check,
    found: bool,
    sv: i64,
) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::Cache(found.then_some(sv))) } })
}

/// Answers FETCH_CIPHERTEXT with the stored ciphertext (copied). As
/// `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_ciphertext(
    check: *mut pas_session_check,
    ciphertext: *const c_char,
    ciphertext_len: usize,
) -> pas_status {
    boundary!(status, {
        // SAFETY: pointer + length per the documented contract.
        let ct = unsafe { str_in(ciphertext, ciphertext_len, "ciphertext") }?;
        // SAFETY: forwarded contract.
        unsafe { feed(check, Feed::Ciphertext(Some(EncryptedRefreshToken::from_stored(ct)))) }
    })
}

/// Answers FETCH_CIPHERTEXT: the session has no ciphertext. As `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_no_ciphertext(check: *mut pas_session_check) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::Ciphertext(None)) } })
}

/// Answers PERSIST: the write succeeded. As `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_persisted(check: *mut pas_session_check) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::Persisted) } })
}

/// Answers RECORD_CACHE (whether or not the cache accepted it). As
/// `pas_session_check_feed_session`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_feed_cache_recorded(check: *mut pas_session_check) -> pas_status {
    // SAFETY: forwarded contract.
    boundary!(status, { unsafe { feed(check, Feed::CacheRecorded) } })
}

/// Carries out REFRESH_AT_PAS with the validator (decrypt, refresh at PAS, read `sv`, re-encrypt
/// a rotated token; single flight per session) and feeds the result.
///
/// **Blocks** on network I/O within the client's timeout; never from a pas runtime thread.
/// Statuses: OK (every PAS outcome is fed to the machine), NULL_ARGUMENT, INVALID_STATE (the
/// current step is not REFRESH_AT_PAS: the check ends failed), WOULD_DEADLOCK,
/// RUNTIME_UNAVAILABLE.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_refresh(
    validator: *const pas_session_validator,
    check: *mut pas_session_check,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        // SAFETY: NULL or a live handle.
        let v = unsafe { handle(validator, "validator") }?;
        // SAFETY: NULL or a live, unshared handle.
        let c = unsafe { handle_mut(check, "check") }?;
        let refreshed = match c.check.step() {
            Step::RefreshAtPas { session_id, ciphertext } => {
                v.rt.block_on(v.validator.refresh_at_pas(session_id, ciphertext))?
            }
            _ => {
                // Out of order: end the check failed (the machine refuses any mismatched feed).
                c.check.feed(Feed::Refresh(pas_core::session::RefreshFeed::Unavailable));
                return Err(Error::new(ErrorCode::InvalidState, "the current step is not REFRESH_AT_PAS"));
            }
        };
        c.check.feed(Feed::Refresh(refreshed));
        Ok(())
    })
}

/// The end of the check. `*out_result` is set to EXPIRED/NONE on entry. On OK it holds the
/// decision (Authenticated with `sv`, or Expired with its cause).
///
/// Never blocks. Statuses: OK; NULL_ARGUMENT; STORE_FAILED (the store failed on the first lookup
/// or the re-fetch); INVALID_STATE (driven out of order, or not finished yet). The decision stays
/// EXPIRED on every non-OK status.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pas_session_check_result(
    check: *const pas_session_check,
    out_result: *mut pas_session_result,
    out_err: *mut *mut pas_error,
) -> pas_status {
    boundary!(err = out_err, {
        preset(out_result);
        let out_result = out(out_result, "out_result")?;
        // SAFETY: NULL or a live handle.
        let c = unsafe { handle(check, "check") }?;
        let outcome =
            c.check.outcome().ok_or_else(|| Error::new(ErrorCode::InvalidState, "the check is not finished"))?;
        let result = result_of(outcome)?;
        // SAFETY: checked out-pointer.
        unsafe { put(out_result, result) };
        Ok(())
    })
}
