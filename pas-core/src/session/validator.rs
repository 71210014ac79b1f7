//! The session validator: the core's own PAS-refresh effect, and the ready async Rust driver.
//!
//! [`SessionValidator`] owns what every driver shares: the PAS port, the refresh-token cipher, the
//! `sv` cache and the single-flight table. [`SessionValidator::validate`] drives a
//! [`SessionCheck`] over a host's [`SessionStore`]; other languages drive the same machine and call
//! [`SessionValidator::refresh_at_pas`] for the one effect that is always the core's.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::cipher::{EncryptedRefreshToken, TokenCipher};
use crate::error::{Error, ErrorCode};
use crate::liveness::{LivenessOutcome, RevokeCause, attempt_liveness_refresh};
use crate::pas_port::{PasFailure, PasPort};
use crate::refresh::{PasRefreshOutcome, pas_refresh};
use crate::session::cache::{MemorySvCache, SvCache};
use crate::session::cause::ExpiredCause;
use crate::session::flight::RefreshFlights;
use crate::session::machine::{Feed, Outcome, RefreshFeed, SessionCheck, SessionSnapshot, Step};
use crate::sv_claim::read_sv_unverified;

/// A host session type that exposes what the `sv` check needs.
pub trait SvAware {
    /// The PAS account id (`sub`).
    fn ppnum_id(&self) -> &str;
    /// The `sv` recorded at login or at the last refresh; `None` forces a refresh (D2).
    fn sv(&self) -> Option<i64>;
}

/// A failure of the host's store. Its text is the host's and is not copied into pas errors.
#[derive(Debug)]
pub struct StoreError(pub Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    /// Wraps any error.
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(err.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session store error: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// The host's session store, as the `sv` check needs it.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// The host's session type.
    type Session: SvAware + Send;
    /// Finds a session by id; `None` when there is none.
    async fn find(&self, session_id: &str) -> Result<Option<Self::Session>, StoreError>;
    /// The session's stored refresh-token ciphertext; `None` when it has none.
    async fn refresh_ciphertext(&self, session_id: &str) -> Result<Option<EncryptedRefreshToken>, StoreError>;
    /// One write: the new `sv`, and the rotated ciphertext when PAS rotated the token (D5).
    /// Must be idempotent (concurrent checks of one session persist the same result).
    async fn persist_refresh(
        &self,
        session_id: &str,
        sv: i64,
        rotated_ciphertext: Option<&EncryptedRefreshToken>,
    ) -> Result<(), StoreError>;
}

/// The decision of one validation.
#[derive(Debug)]
#[must_use]
pub enum Validation<S> {
    /// No session cookie was presented.
    NoCookie,
    /// The session is dead: clear the cookie and send the user to login.
    Expired(ExpiredCause),
    /// The session is live.
    Authenticated {
        /// The host's session (re-fetched after a refresh).
        session: S,
        /// Its `sv`.
        sv: i64,
        /// Whether PAS was asked.
        refreshed: bool,
    },
}

impl<S> Validation<S> {
    /// `"no_cookie"`, `"expired"` or `"authenticated"`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Validation::NoCookie => "no_cookie",
            Validation::Expired(_) => "expired",
            Validation::Authenticated { .. } => "authenticated",
        }
    }

    /// The Expired cause, if expired.
    #[must_use]
    pub fn cause(&self) -> Option<ExpiredCause> {
        match self {
            Validation::Expired(cause) => Some(*cause),
            _ => None,
        }
    }
}

struct Inner {
    pas: Arc<dyn PasPort>,
    cipher: Option<TokenCipher>,
    cache: Arc<dyn SvCache>,
    flights: RefreshFlights,
}

/// Validates sessions against PAS. Cheap to clone; share one per process so concurrent checks of
/// one session share one PAS call.
#[derive(Clone)]
pub struct SessionValidator {
    inner: Arc<Inner>,
}

impl fmt::Debug for SessionValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionValidator").field("cipher", &self.inner.cipher.is_some()).finish_non_exhaustive()
    }
}

/// Builds a [`SessionValidator`].
pub struct SessionValidatorBuilder {
    pas: Arc<dyn PasPort>,
    cipher: Option<TokenCipher>,
    cache: Option<Arc<dyn SvCache>>,
}

impl fmt::Debug for SessionValidatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionValidatorBuilder").finish_non_exhaustive()
    }
}

impl SessionValidatorBuilder {
    /// The refresh-token cipher. Without one every refresh path ends `no_cipher` (scenario 12).
    #[must_use]
    pub fn cipher(mut self, cipher: TokenCipher) -> Self {
        self.cipher = Some(cipher);
        self
    }

    /// A shared `sv` cache (Redis and the like). Default: a per-process [`MemorySvCache`].
    #[must_use]
    pub fn cache(mut self, cache: Arc<dyn SvCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Builds the validator.
    #[must_use]
    pub fn build(self) -> SessionValidator {
        SessionValidator {
            inner: Arc::new(Inner {
                pas: self.pas,
                cipher: self.cipher,
                cache: self.cache.unwrap_or_else(|| Arc::new(MemorySvCache::new())),
                flights: RefreshFlights::default(),
            }),
        }
    }
}

impl SessionValidator {
    /// Starts building a validator over `pas` (a [`crate::oauth::PasClient`] or a test double).
    #[must_use]
    pub fn builder(pas: Arc<dyn PasPort>) -> SessionValidatorBuilder {
        SessionValidatorBuilder { pas, cipher: None, cache: None }
    }

    /// The `sv` cache this validator uses.
    #[must_use]
    pub fn cache(&self) -> &Arc<dyn SvCache> {
        &self.inner.cache
    }

    /// Whether a refresh-token cipher is configured.
    #[must_use]
    pub fn has_cipher(&self) -> bool {
        self.inner.cipher.is_some()
    }

    /// Starts a step-by-step check (for drivers in other languages and unusual stores).
    #[must_use]
    pub fn start(&self, session_id: &str) -> SessionCheck {
        SessionCheck::new(session_id, self.has_cipher())
    }

    /// The `RefreshAtPas` effect: decrypt, refresh at PAS, classify, read `sv` (D1), re-encrypt a
    /// rotated token (D5, D10). Concurrent calls for one session share one PAS call (D17).
    pub async fn refresh_at_pas(&self, session_id: &str, ciphertext: &EncryptedRefreshToken) -> RefreshFeed {
        let Some(cipher) = &self.inner.cipher else {
            return RefreshFeed::DecryptFailed;
        };
        let pas = &*self.inner.pas;
        self.inner
            .flights
            .run(session_id, ciphertext, || async move {
                match pas_refresh(pas, cipher, ciphertext).await {
                    PasRefreshOutcome::CipherFailure(_) => {
                        tracing::warn!("session check: stored refresh token could not be decrypted");
                        RefreshFeed::DecryptFailed
                    }
                    PasRefreshOutcome::Failed(PasFailure::Rejected { status, .. }) => {
                        tracing::info!(status, "session check: PAS rejected the refresh token");
                        RefreshFeed::Rejected
                    }
                    PasRefreshOutcome::Failed(failure) => {
                        tracing::warn!(code = %failure.code(), "session check: PAS unavailable");
                        RefreshFeed::Unavailable
                    }
                    PasRefreshOutcome::Refreshed { tokens, rotated_refresh_token } => {
                        let sv = read_sv_unverified(tokens.access_token.expose());
                        let rotated_ciphertext = match rotated_refresh_token {
                            None => None,
                            Some(token) => match cipher.encrypt(token.expose()) {
                                Ok(ct) => Some(ct),
                                Err(_) => return RefreshFeed::EncryptFailed,
                            },
                        };
                        RefreshFeed::Refreshed { sv, rotated_ciphertext }
                    }
                }
            })
            .await
    }

    /// The fail-open liveness refresh (S-L3) with this validator's PAS port and cipher. Without a
    /// cipher the ciphertext cannot be opened: `Revoked(CipherFailure)`.
    pub async fn liveness_refresh(&self, ciphertext: &EncryptedRefreshToken) -> LivenessOutcome {
        match &self.inner.cipher {
            Some(cipher) => attempt_liveness_refresh(&*self.inner.pas, cipher, ciphertext).await,
            None => LivenessOutcome::Revoked { cause: RevokeCause::CipherFailure, status: None },
        }
    }

    /// Validates the session named by a cookie value (`None` or empty: no cookie).
    ///
    /// # Errors
    /// `store_failed` when the store fails on the first lookup or on the re-fetch (D4); every
    /// other failure is a decision (`Validation::Expired`).
    pub async fn validate<S: SessionStore>(
        &self,
        store: &S,
        session_id: Option<&str>,
    ) -> Result<Validation<S::Session>, Error> {
        let Some(session_id) = session_id.filter(|id| !id.is_empty()) else {
            return Ok(Validation::NoCookie);
        };
        let mut check = self.start(session_id);
        let mut last_session: Option<S::Session> = None;
        loop {
            let feed = match check.step() {
                Step::FindSession { session_id } | Step::Refetch { session_id } => match store.find(session_id).await {
                    Ok(Some(session)) => {
                        let snapshot = SessionSnapshot { ppnum_id: session.ppnum_id().to_owned(), sv: session.sv() };
                        last_session = Some(session);
                        Feed::Session(Some(snapshot))
                    }
                    Ok(None) => Feed::Session(None),
                    Err(_) => Feed::StoreFailed,
                },
                Step::LoadCache { key } => Feed::Cache(self.inner.cache.load(key).await.unwrap_or_else(|_| {
                    tracing::warn!("session check: sv cache load failed; treating as unknown");
                    None
                })),
                Step::FetchCiphertext { session_id } => match store.refresh_ciphertext(session_id).await {
                    Ok(ciphertext) => Feed::Ciphertext(ciphertext),
                    Err(_) => Feed::StoreFailed,
                },
                Step::RefreshAtPas { session_id, ciphertext } => {
                    Feed::Refresh(self.refresh_at_pas(session_id, ciphertext).await)
                }
                Step::Persist { session_id, sv, rotated_ciphertext } => {
                    match store.persist_refresh(session_id, *sv, rotated_ciphertext.as_ref()).await {
                        Ok(()) => Feed::Persisted,
                        Err(_) => Feed::StoreFailed,
                    }
                }
                Step::RecordCache { key, sv, ttl } => {
                    if self.inner.cache.store(key, *sv, *ttl).await.is_err() {
                        tracing::warn!("session check: sv cache store failed (best effort)");
                    }
                    Feed::CacheRecorded
                }
                Step::Done(outcome) => {
                    return match outcome.clone() {
                        Outcome::Authenticated { sv, refreshed } => match last_session {
                            Some(session) => Ok(Validation::Authenticated { session, sv, refreshed }),
                            None => Err(Error::new(ErrorCode::Internal, "authenticated without a session")),
                        },
                        Outcome::Expired(cause) => Ok(Validation::Expired(cause)),
                        Outcome::Failed(err) => Err(err),
                    };
                }
            };
            check.feed(feed);
        }
    }
}
