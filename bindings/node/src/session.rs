//! Session validation: the core's sans-IO machine, exposed step by step for the JS driver.
//!
//! `index.js` adds `SessionValidator.prototype.validate(store, sessionId)`, a short loop that
//! reads [`SessionCheck::step`], carries the effect out (the host's store and the sv cache in JS,
//! the PAS refresh through [`SessionValidator::refresh_at_pas`], i.e. the core's own client with
//! single flight) and feeds the result back. The machine alone decides.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use pas_core::cipher::EncryptedRefreshToken;
use pas_core::session::{
    Feed, MemorySvCache as CoreMemoryCache, Outcome, RefreshFeed, SessionCheck as CoreCheck, SessionSnapshot,
    SessionValidator as CoreValidator, Step as CoreStep,
};
use pas_core::{ErrorCode, PasPort};

use crate::cipher::TokenCipher;
use crate::errors::{guard, js_error, pas_err, promise};
use crate::oauth::{Client, LivenessOutcome, liveness_to_js};
use crate::testing::ScriptedPas;

/// The built-in per-process `sv` cache (a map with lazy expiry). Synchronous.
#[napi]
#[derive(Debug)]
pub struct MemorySvCache {
    inner: Arc<CoreMemoryCache>,
}

#[napi]
impl MemorySvCache {
    /// An empty cache (each `SessionValidator` without a `cache` option has its own; see
    /// `validator.memoryCache`).
    #[napi(constructor, catch_unwind)]
    pub fn new() -> Self {
        Self { inner: Arc::new(CoreMemoryCache::new()) }
    }

    /// The cached value of `key` (`sv:{ppnumId}`), or `null` when absent or expired.
    #[napi(catch_unwind)]
    pub fn get(&self, key: String) -> Option<i64> {
        self.inner.get(&key)
    }

    /// Caches `sv` under `key` for `ttlSeconds` (default 60, the spec-fixed TTL).
    #[napi(catch_unwind)]
    pub fn set(&self, key: String, sv: i64, ttl_seconds: Option<u32>) {
        self.inner.set(&key, sv, Duration::from_secs(u64::from(ttl_seconds.unwrap_or(60))));
    }

    /// Drops every entry.
    #[napi(catch_unwind)]
    pub fn clear(&self) {
        self.inner.clear();
    }
}

impl Default for MemorySvCache {
    fn default() -> Self {
        Self::new()
    }
}

/// What the session check needs of a host session.
#[napi(object)]
#[derive(Debug)]
pub struct SessionSnapshotInput {
    /// The PAS account id (`sub`), which keys the sv cache.
    pub ppnum_id: String,
    /// The recorded session version; `null` sends the session down the refresh path.
    pub sv: Option<i64>,
}

/// The effect the machine asks for next, or its end (`authenticated`, `expired`, `failed`).
#[napi(discriminant = "kind", discriminant_case = "snake_case")]
#[derive(Debug)]
pub enum Step {
    /// Look the session up in the host's store; feed `feedSession` or `feedStoreFailed`.
    FindSession {
        /// The session id.
        session_id: String,
    },
    /// Load `key` from the sv cache; feed `feedCache` (a cache error is `feedCache(null)`).
    LoadCache {
        /// `sv:{ppnumId}`.
        key: String,
    },
    /// Fetch the session's refresh-token ciphertext; feed `feedCiphertext` or `feedStoreFailed`.
    FetchCiphertext {
        /// The session id.
        session_id: String,
    },
    /// Call `validator.refreshAtPas(sessionId, ciphertext)` and feed `feedRefresh`.
    RefreshAtPas {
        /// The session id (single-flight key).
        session_id: String,
        /// The stored ciphertext.
        ciphertext: String,
    },
    /// Persist the new `sv` (and the rotated ciphertext, when set) in one write; feed
    /// `feedPersisted` or `feedStoreFailed`.
    Persist {
        /// The session id.
        session_id: String,
        /// The new session version.
        sv: i64,
        /// The rotated refresh token, sealed, when PAS rotated it.
        rotated_ciphertext: Option<String>,
    },
    /// Record `sv` in the cache for `ttlSeconds` (best effort); feed `feedCacheRecorded`.
    RecordCache {
        /// `sv:{ppnumId}`.
        key: String,
        /// The value.
        sv: i64,
        /// Always 60.
        ttl_seconds: u32,
    },
    /// Re-fetch the session; feed `feedSession` or `feedStoreFailed`.
    Refetch {
        /// The session id.
        session_id: String,
    },
    /// Done: the session is live.
    Authenticated {
        /// Its `sv` (the new one after a refresh).
        sv: i64,
        /// Whether PAS was asked.
        refreshed: bool,
    },
    /// Done: the session is dead.
    Expired {
        /// The stable cause code.
        #[napi(ts_type = "ExpiredCause")]
        cause: String,
    },
    /// Done without a decision (store failure on the first lookup or the re-fetch, or an
    /// out-of-order feed): call `throwIfFailed()` to throw the coded error.
    Failed {
        /// `store_failed` or `invalid_state`.
        #[napi(ts_type = "PasErrorCode")]
        code: String,
    },
}

fn step_to_js(step: &CoreStep) -> Step {
    match step {
        CoreStep::FindSession { session_id } => Step::FindSession { session_id: session_id.clone() },
        CoreStep::LoadCache { key } => Step::LoadCache { key: key.clone() },
        CoreStep::FetchCiphertext { session_id } => Step::FetchCiphertext { session_id: session_id.clone() },
        CoreStep::RefreshAtPas { session_id, ciphertext } => {
            Step::RefreshAtPas { session_id: session_id.clone(), ciphertext: ciphertext.as_str().to_owned() }
        }
        CoreStep::Persist { session_id, sv, rotated_ciphertext } => Step::Persist {
            session_id: session_id.clone(),
            sv: *sv,
            rotated_ciphertext: rotated_ciphertext.as_ref().map(|c| c.as_str().to_owned()),
        },
        CoreStep::RecordCache { key, sv, ttl } => {
            Step::RecordCache { key: key.clone(), sv: *sv, ttl_seconds: u32::try_from(ttl.as_secs()).unwrap_or(60) }
        }
        CoreStep::Refetch { session_id } => Step::Refetch { session_id: session_id.clone() },
        CoreStep::Done(Outcome::Authenticated { sv, refreshed }) => {
            Step::Authenticated { sv: *sv, refreshed: *refreshed }
        }
        CoreStep::Done(Outcome::Expired(cause)) => Step::Expired { cause: cause.as_str().to_owned() },
        CoreStep::Done(Outcome::Failed(err)) => Step::Failed { code: err.code().as_str().to_owned() },
        _ => Step::Failed { code: ErrorCode::Internal.as_str().to_owned() },
    }
}

/// What the PAS-refresh effect produced; opaque, fed back with `check.feedRefresh(outcome)`.
#[napi]
#[derive(Debug)]
pub struct RefreshOutcome {
    inner: RefreshFeed,
}

#[napi]
impl RefreshOutcome {
    /// `decrypt_failed`, `rejected`, `unavailable`, `encrypt_failed` or `refreshed`.
    #[napi(
        getter,
        catch_unwind,
        ts_return_type = "'decrypt_failed' | 'rejected' | 'unavailable' | 'encrypt_failed' | 'refreshed'"
    )]
    pub fn kind(&self) -> String {
        match &self.inner {
            RefreshFeed::DecryptFailed => "decrypt_failed",
            RefreshFeed::Rejected => "rejected",
            RefreshFeed::Unavailable => "unavailable",
            RefreshFeed::EncryptFailed => "encrypt_failed",
            RefreshFeed::Refreshed { .. } => "refreshed",
            _ => "unavailable",
        }
        .to_owned()
    }
}

/// One session check in progress (the core's sans-IO machine). Read `step()`, carry the effect
/// out, feed the result, until the step is `authenticated`, `expired` or `failed`. Most hosts
/// never touch it: `validator.validate(store, sessionId)` is the ready driver.
#[napi]
#[derive(Debug)]
pub struct SessionCheck {
    inner: CoreCheck,
}

#[napi]
impl SessionCheck {
    /// The effect to carry out next, or the end.
    #[napi(catch_unwind)]
    pub fn step(&self) -> Step {
        step_to_js(self.inner.step())
    }

    /// The session id under check.
    #[napi(getter, catch_unwind)]
    pub fn session_id(&self) -> String {
        self.inner.session_id().to_owned()
    }

    /// Answers `find_session` / `refetch`: the session, or `null` when there is none.
    #[napi(catch_unwind)]
    pub fn feed_session(&mut self, session: Option<SessionSnapshotInput>) -> Step {
        let snapshot = session.map(|s| SessionSnapshot { ppnum_id: s.ppnum_id, sv: s.sv });
        step_to_js(self.inner.feed(Feed::Session(snapshot)))
    }

    /// Answers `load_cache`: the cached value, or `null` (miss, expired, cache error).
    #[napi(catch_unwind)]
    pub fn feed_cache(&mut self, value: Option<i64>) -> Step {
        step_to_js(self.inner.feed(Feed::Cache(value)))
    }

    /// Answers `fetch_ciphertext`: the stored ciphertext, or `null` when the session has none.
    #[napi(catch_unwind)]
    pub fn feed_ciphertext(&mut self, ciphertext: Option<String>) -> Step {
        step_to_js(self.inner.feed(Feed::Ciphertext(ciphertext.map(EncryptedRefreshToken::from_stored))))
    }

    /// Answers `refresh_at_pas` with the outcome of `validator.refreshAtPas(...)`.
    #[napi(catch_unwind)]
    pub fn feed_refresh(&mut self, outcome: &RefreshOutcome) -> Step {
        step_to_js(self.inner.feed(Feed::Refresh(outcome.inner.clone())))
    }

    /// Answers `persist`: the write succeeded.
    #[napi(catch_unwind)]
    pub fn feed_persisted(&mut self) -> Step {
        step_to_js(self.inner.feed(Feed::Persisted))
    }

    /// Answers `record_cache` (whether or not the cache accepted the value).
    #[napi(catch_unwind)]
    pub fn feed_cache_recorded(&mut self) -> Step {
        step_to_js(self.inner.feed(Feed::CacheRecorded))
    }

    /// Answers any store step: the host's store failed.
    #[napi(catch_unwind)]
    pub fn feed_store_failed(&mut self) -> Step {
        step_to_js(self.inner.feed(Feed::StoreFailed))
    }

    /// Throws the coded error of a `failed` check (`store_failed`, `invalid_state`); otherwise
    /// does nothing.
    #[napi(catch_unwind)]
    pub fn throw_if_failed(&self, env: &Env) -> Result<()> {
        match self.inner.outcome() {
            Some(Outcome::Failed(err)) => Err(js_error(env, err)),
            _ => Ok(()),
        }
    }
}

/// Validates sessions against PAS (the fail-closed `sv` check, pas-reference §9.7-§9.8).
///
/// Share one per process: concurrent checks of one session share one PAS refresh (single
/// flight). `validate(store, sessionId)` (added by `index.js`) is the ready driver.
#[napi]
#[derive(Debug)]
pub struct SessionValidator {
    inner: CoreValidator,
    memory: Arc<CoreMemoryCache>,
}

#[napi]
impl SessionValidator {
    /// A validator over `pas` (a `Client`, or a test-only `ScriptedPas`).
    ///
    /// `options.cipher` is the refresh-token cipher; without it every refresh path ends Expired
    /// (`no_cipher`). `options.cache` is a shared sv cache (Redis and the like, see `SvCache`);
    /// without it a per-validator `MemorySvCache` is used (`validator.memoryCache`).
    /// Throws `invalid_argument` when `pas` is neither.
    #[napi(
        constructor,
        catch_unwind,
        ts_args_type = "pas: Client | ScriptedPas, options?: SessionValidatorOptions | null | undefined"
    )]
    pub fn new(env: &Env, pas: Unknown<'_>, options: Option<Object<'_>>) -> Result<Self> {
        // SAFETY: `env` and `pas` are the live handles of this call; `from_napi_value` checks
        // the object's type tag (napi8) before unwrapping, so a wrong object is an `Err`.
        let port: Option<Arc<dyn PasPort>> =
            if let Ok(client) = unsafe { ClassInstance::<Client>::from_napi_value(env.raw(), pas.raw()) } {
                match client.core() {
                    Ok(c) => Some(c as Arc<dyn PasPort>),
                    Err(e) => return Err(js_error(env, &e)),
                }
            } else if let Ok(scripted) =
                // SAFETY: as above.
                unsafe { ClassInstance::<ScriptedPas>::from_napi_value(env.raw(), pas.raw()) }
            {
                Some(scripted.port())
            } else {
                None
            };
        let cipher = match &options {
            Some(o) => {
                let c: Unknown = o.get_named_property("cipher")?;
                match c.get_type()? {
                    ValueType::Undefined | ValueType::Null => None,
                    // SAFETY: as above; the tag check rejects anything but a TokenCipher.
                    _ => match unsafe { ClassInstance::<TokenCipher>::from_napi_value(env.raw(), c.raw()) } {
                        Ok(c) => Some(c.inner.clone()),
                        Err(_) => {
                            return Err(js_error(
                                env,
                                &pas_err(ErrorCode::InvalidArgument, "options.cipher must be a TokenCipher"),
                            ));
                        }
                    },
                }
            }
            None => None,
        };
        guard(env, || {
            let port =
                port.ok_or_else(|| pas_err(ErrorCode::InvalidArgument, "pas must be a Client or a ScriptedPas"))?;
            let memory = Arc::new(CoreMemoryCache::new());
            let mut builder = CoreValidator::builder(port).cache(memory.clone());
            if let Some(cipher) = cipher {
                builder = builder.cipher(cipher);
            }
            Ok(Self { inner: builder.build(), memory })
        })
    }

    /// Whether a refresh-token cipher is configured.
    #[napi(getter, catch_unwind)]
    pub fn has_cipher(&self) -> bool {
        self.inner.has_cipher()
    }

    /// The built-in memory cache (used when no `cache` option was given).
    #[napi(getter, catch_unwind)]
    pub fn memory_cache(&self) -> MemorySvCache {
        MemorySvCache { inner: self.memory.clone() }
    }

    /// Starts a step-by-step check of `sessionId` (for hosts with unusual stores).
    #[napi(catch_unwind)]
    pub fn start(&self, session_id: String) -> SessionCheck {
        SessionCheck { inner: self.inner.start(&session_id) }
    }

    /// The `refresh_at_pas` effect, always the core's: decrypt, refresh at PAS, classify, read
    /// `sv`, re-encrypt a rotated token. Concurrent calls for one session share one PAS call.
    /// Never rejects for a PAS answer (the outcome says what happened).
    #[napi(catch_unwind, ts_return_type = "Promise<RefreshOutcome>")]
    pub fn refresh_at_pas<'env>(
        &self,
        env: &'env Env,
        session_id: String,
        ciphertext: String,
    ) -> Result<PromiseRaw<'env, RefreshOutcome>> {
        let v = self.inner.clone();
        promise(env, async move {
            let ct = EncryptedRefreshToken::from_stored(ciphertext);
            Ok(RefreshOutcome { inner: v.refresh_at_pas(&session_id, &ct).await })
        })
    }

    /// The fail-open liveness refresh with this validator's PAS and cipher (no cipher:
    /// `revoked` / `decrypt_failed`).
    #[napi(catch_unwind, ts_return_type = "Promise<LivenessOutcome>")]
    pub fn liveness_refresh<'env>(
        &self,
        env: &'env Env,
        ciphertext: String,
    ) -> Result<PromiseRaw<'env, LivenessOutcome>> {
        let v = self.inner.clone();
        promise(env, async move {
            Ok(liveness_to_js(v.liveness_refresh(&EncryptedRefreshToken::from_stored(ciphertext)).await))
        })
    }
}

/// The stable Expired cause codes, in numeric order.
#[napi(catch_unwind, ts_return_type = "ExpiredCause[]")]
pub fn expired_causes() -> Vec<String> {
    pas_core::session::ExpiredCause::ALL.iter().map(|c| c.as_str().to_owned()).collect()
}
