//! The sans-IO session check: one state machine that asks for one effect at a time.
//!
//! [`SessionCheck`] does no I/O and never blocks. A driver reads [`SessionCheck::step`], carries
//! out the effect it names, and hands the result back with [`SessionCheck::feed`]. The machine
//! alone decides; the transition table is pas-reference §9.8 with D1-D6 and D15 applied. Ordering
//! is the machine's, not the driver's: the only way to `RecordCache` is a successful `Persist`,
//! and the only way to a refreshed `Authenticated` passes through both and the re-fetch. A feed
//! that does not answer the current step ends the check with `invalid_state` (never
//! Authenticated).

use std::time::Duration;

use crate::cipher::EncryptedRefreshToken;
use crate::error::{Error, ErrorCode};
use crate::session::cache::{SV_CACHE_TTL, sv_cache_key};
use crate::session::cause::ExpiredCause;
use crate::sv_claim::SvClaim;

/// What the machine needs to know about a host session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSnapshot {
    /// The PAS account id (`sub`), which keys the `sv` cache.
    pub ppnum_id: String,
    /// The `sv` recorded with the session; `None` sends it down the refresh path (D2).
    pub sv: Option<i64>,
}

/// The effect the machine asks for next, or its final outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// Look the session up in the host's store. Feed [`Feed::Session`] or [`Feed::StoreFailed`].
    FindSession {
        /// The session id from the cookie.
        session_id: String,
    },
    /// Load `key` from the sv cache. Feed [`Feed::Cache`] (a cache error is `Cache(None)`).
    LoadCache {
        /// `sv:{ppnum_id}`.
        key: String,
    },
    /// Fetch the session's refresh-token ciphertext. Feed [`Feed::Ciphertext`] or
    /// [`Feed::StoreFailed`].
    FetchCiphertext {
        /// The session id.
        session_id: String,
    },
    /// Decrypt, refresh at PAS, read `sv`, re-encrypt a rotated token: always the core's own
    /// client ([`crate::session::SessionValidator::refresh_at_pas`]). Feed [`Feed::Refresh`].
    RefreshAtPas {
        /// The session id (single-flight key, D6/D17).
        session_id: String,
        /// The stored ciphertext.
        ciphertext: EncryptedRefreshToken,
    },
    /// Persist the new `sv` and, when PAS rotated the token, the new ciphertext, in one write
    /// (D5). Feed [`Feed::Persisted`] or [`Feed::StoreFailed`].
    Persist {
        /// The session id.
        session_id: String,
        /// The new session version.
        sv: i64,
        /// The rotated refresh token's ciphertext, when PAS rotated it.
        rotated_ciphertext: Option<EncryptedRefreshToken>,
    },
    /// Record `sv` in the cache for `ttl` (best effort). Feed [`Feed::CacheRecorded`], also when
    /// the cache failed.
    RecordCache {
        /// `sv:{ppnum_id}`.
        key: String,
        /// The value.
        sv: i64,
        /// Always 60 s.
        ttl: Duration,
    },
    /// Re-fetch the session. Feed [`Feed::Session`] or [`Feed::StoreFailed`].
    Refetch {
        /// The session id.
        session_id: String,
    },
    /// The check is over.
    Done(Outcome),
}

/// The end of a check.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The session is live. The driver returns the session it fetched last.
    Authenticated {
        /// The session's `sv` (the new one after a refresh).
        sv: i64,
        /// Whether the session went through a PAS refresh.
        refreshed: bool,
    },
    /// The session is dead: clear the cookie and send the user to login.
    Expired(ExpiredCause),
    /// No decision: a store failure on the first lookup or the re-fetch (D4), or a driver that
    /// fed out of order (`invalid_state`). The driver returns this error.
    Failed(Error),
}

/// What the PAS-refresh effect produced (see [`crate::session::SessionValidator::refresh_at_pas`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshFeed {
    /// The ciphertext did not decrypt; PAS was not called.
    DecryptFailed,
    /// PAS answered 4xx (other than 408/429).
    Rejected,
    /// PAS answered 5xx/408/429, or transport failed, or the answer was garbled.
    Unavailable,
    /// PAS rotated the token and re-encrypting it failed.
    EncryptFailed,
    /// PAS refreshed; `sv` as read from the new access token (D1).
    Refreshed {
        /// The `sv` claim of the new access token.
        sv: SvClaim,
        /// The rotated refresh token, re-encrypted, when PAS rotated it.
        rotated_ciphertext: Option<EncryptedRefreshToken>,
    },
}

/// The result of carrying out a [`Step`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Feed {
    /// Answer to `FindSession` and `Refetch`: the session, or `None` when there is none.
    Session(Option<SessionSnapshot>),
    /// Answer to `LoadCache`: the cached value, or `None` on miss, expiry or cache error.
    Cache(Option<i64>),
    /// Answer to `FetchCiphertext`: the ciphertext, or `None` when the session has none.
    Ciphertext(Option<EncryptedRefreshToken>),
    /// Answer to `RefreshAtPas`.
    Refresh(RefreshFeed),
    /// Answer to `Persist`: the write succeeded.
    Persisted,
    /// Answer to `RecordCache` (whether or not the cache accepted it).
    CacheRecorded,
    /// Answer to any store step: the host's store failed.
    StoreFailed,
}

/// One session check in progress. Create it with [`SessionCheck::new`], then loop: read
/// [`step`](SessionCheck::step), carry it out, [`feed`](SessionCheck::feed) the result, until
/// `Step::Done`.
#[derive(Clone, Debug)]
pub struct SessionCheck {
    session_id: String,
    cipher_configured: bool,
    session: Option<SessionSnapshot>,
    cached: Option<i64>,
    refreshed_sv: Option<i64>,
    step: Step,
}

impl SessionCheck {
    /// Starts a check of `session_id`. `cipher_configured` says whether the validator can decrypt
    /// refresh tokens at all (without one, every refresh path ends `no_cipher`).
    #[must_use]
    pub fn new(session_id: impl Into<String>, cipher_configured: bool) -> Self {
        let session_id = session_id.into();
        let step = Step::FindSession { session_id: session_id.clone() };
        Self { session_id, cipher_configured, session: None, cached: None, refreshed_sv: None, step }
    }

    /// The effect to carry out next, or `Step::Done`.
    #[must_use]
    pub fn step(&self) -> &Step {
        &self.step
    }

    /// The outcome, once done.
    #[must_use]
    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.step {
            Step::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// The session id under check.
    #[must_use]
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Feeds the result of the current step and returns the next one.
    pub fn feed(&mut self, feed: Feed) -> &Step {
        if matches!(self.step, Step::Done(_)) {
            return &self.step;
        }
        let next = self.transition(feed);
        self.step = next;
        &self.step
    }

    fn expired(cause: ExpiredCause) -> Step {
        Step::Done(Outcome::Expired(cause))
    }

    fn store_failed(which: &'static str) -> Step {
        Step::Done(Outcome::Failed(Error::new(ErrorCode::StoreFailed, which)))
    }

    fn transition(&mut self, feed: Feed) -> Step {
        let sid = || self.session_id.clone();
        match (&self.step, feed) {
            (Step::FindSession { .. }, Feed::StoreFailed) => {
                Self::store_failed("the session store failed on the first lookup")
            }
            (Step::FindSession { .. }, Feed::Session(None)) => Self::expired(ExpiredCause::SessionUnknown),
            (Step::FindSession { .. }, Feed::Session(Some(session))) => {
                let key = sv_cache_key(&session.ppnum_id);
                self.session = Some(session);
                Step::LoadCache { key }
            }
            (Step::LoadCache { .. }, Feed::Cache(cached)) => {
                self.cached = cached;
                let session_sv = self.session.as_ref().and_then(|s| s.sv);
                match (session_sv, cached) {
                    // D3: equal, or the session newer than the cache, is Fresh.
                    (Some(sv), Some(c)) if sv >= c => Step::Done(Outcome::Authenticated { sv, refreshed: false }),
                    // D3 Stale, D3 Unknown, D2 (no stored sv): refresh.
                    _ if !self.cipher_configured => Self::expired(ExpiredCause::NoCipher),
                    _ => Step::FetchCiphertext { session_id: sid() },
                }
            }
            (Step::FetchCiphertext { .. }, Feed::StoreFailed) => Self::expired(ExpiredCause::CiphertextLookupFailed),
            (Step::FetchCiphertext { .. }, Feed::Ciphertext(None)) => Self::expired(ExpiredCause::CiphertextMissing),
            (Step::FetchCiphertext { .. }, Feed::Ciphertext(Some(ciphertext))) => {
                Step::RefreshAtPas { session_id: sid(), ciphertext }
            }
            (Step::RefreshAtPas { .. }, Feed::Refresh(refresh)) => self.after_refresh(refresh),
            (Step::Persist { .. }, Feed::StoreFailed) => Self::expired(ExpiredCause::PersistFailed),
            (Step::Persist { sv, .. }, Feed::Persisted) => {
                let key = self.session.as_ref().map(|s| sv_cache_key(&s.ppnum_id)).unwrap_or_default();
                Step::RecordCache { key, sv: *sv, ttl: SV_CACHE_TTL }
            }
            (Step::RecordCache { sv, .. }, Feed::CacheRecorded) => {
                self.refreshed_sv = Some(*sv);
                Step::Refetch { session_id: sid() }
            }
            (Step::Refetch { .. }, Feed::StoreFailed) => Self::store_failed("the session store failed on the re-fetch"),
            (Step::Refetch { .. }, Feed::Session(None)) => Self::expired(ExpiredCause::SessionGone),
            (Step::Refetch { .. }, Feed::Session(Some(_))) => match self.refreshed_sv {
                Some(sv) => Step::Done(Outcome::Authenticated { sv, refreshed: true }),
                None => Self::expired(ExpiredCause::SessionGone),
            },
            _ => Step::Done(Outcome::Failed(Error::from_code(ErrorCode::InvalidState))),
        }
    }

    fn after_refresh(&self, refresh: RefreshFeed) -> Step {
        match refresh {
            RefreshFeed::DecryptFailed => Self::expired(ExpiredCause::DecryptFailed),
            RefreshFeed::Rejected => Self::expired(ExpiredCause::PasRejected),
            RefreshFeed::Unavailable => Self::expired(ExpiredCause::PasUnavailable),
            RefreshFeed::EncryptFailed => Self::expired(ExpiredCause::EncryptFailed),
            RefreshFeed::Refreshed { sv: SvClaim::Missing, .. } => Self::expired(ExpiredCause::SvMissing),
            RefreshFeed::Refreshed { sv: SvClaim::Invalid, .. } => Self::expired(ExpiredCause::SvInvalid),
            RefreshFeed::Refreshed { sv: SvClaim::Value(new_sv), rotated_ciphertext } => {
                let floor = self.session.as_ref().and_then(|s| s.sv).max(self.cached);
                if floor.is_some_and(|floor| new_sv < floor) {
                    return Self::expired(ExpiredCause::SvRegressed);
                }
                Step::Persist { session_id: self.session_id.clone(), sv: new_sv, rotated_ciphertext }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(sv: Option<i64>) -> Option<SessionSnapshot> {
        Some(SessionSnapshot { ppnum_id: "01HZ".into(), sv })
    }

    fn ct() -> EncryptedRefreshToken {
        EncryptedRefreshToken::from_stored("test-ciphertext-stub")
    }

    fn refreshed(sv: i64) -> Feed {
        Feed::Refresh(RefreshFeed::Refreshed { sv: SvClaim::Value(sv), rotated_ciphertext: None })
    }

    #[test]
    fn cache_fresh_short_circuits_with_no_io() {
        let mut m = SessionCheck::new("s1", true);
        assert_eq!(m.step(), &Step::FindSession { session_id: "s1".into() });
        assert_eq!(m.feed(Feed::Session(snapshot(Some(4)))), &Step::LoadCache { key: "sv:01HZ".into() });
        assert_eq!(m.feed(Feed::Cache(Some(4))), &Step::Done(Outcome::Authenticated { sv: 4, refreshed: false }));
    }

    #[test]
    fn stale_cache_walks_the_whole_refresh_path_in_order() {
        let mut m = SessionCheck::new("s1", true);
        m.feed(Feed::Session(snapshot(Some(4))));
        assert_eq!(m.feed(Feed::Cache(Some(5))), &Step::FetchCiphertext { session_id: "s1".into() });
        assert_eq!(
            m.feed(Feed::Ciphertext(Some(ct()))),
            &Step::RefreshAtPas { session_id: "s1".into(), ciphertext: ct() }
        );
        assert_eq!(m.feed(refreshed(5)), &Step::Persist { session_id: "s1".into(), sv: 5, rotated_ciphertext: None });
        assert_eq!(m.feed(Feed::Persisted), &Step::RecordCache { key: "sv:01HZ".into(), sv: 5, ttl: SV_CACHE_TTL });
        assert_eq!(m.feed(Feed::CacheRecorded), &Step::Refetch { session_id: "s1".into() });
        assert_eq!(
            m.feed(Feed::Session(snapshot(Some(5)))),
            &Step::Done(Outcome::Authenticated { sv: 5, refreshed: true })
        );
    }

    #[test]
    fn out_of_order_feed_fails_closed() {
        let mut m = SessionCheck::new("s1", true);
        m.feed(Feed::Session(snapshot(Some(4))));
        m.feed(Feed::Cache(None));
        m.feed(Feed::Ciphertext(Some(ct())));
        // Skipping the persist: the machine refuses.
        let step = m.feed(Feed::CacheRecorded).clone();
        let Step::Done(Outcome::Failed(err)) = step else { panic!("{step:?}") };
        assert_eq!(err.code(), ErrorCode::InvalidState);
        // Terminal: nothing moves it back.
        assert!(matches!(m.feed(Feed::Session(snapshot(Some(4)))), Step::Done(Outcome::Failed(_))));
    }

    #[test]
    fn every_failing_feed_is_expired_with_its_cause() {
        let to_refresh = |session_sv, cached| {
            let mut m = SessionCheck::new("s1", true);
            m.feed(Feed::Session(snapshot(session_sv)));
            m.feed(Feed::Cache(cached));
            m.feed(Feed::Ciphertext(Some(ct())));
            m
        };
        let cases = [
            (RefreshFeed::DecryptFailed, ExpiredCause::DecryptFailed),
            (RefreshFeed::Rejected, ExpiredCause::PasRejected),
            (RefreshFeed::Unavailable, ExpiredCause::PasUnavailable),
            (RefreshFeed::EncryptFailed, ExpiredCause::EncryptFailed),
            (RefreshFeed::Refreshed { sv: SvClaim::Missing, rotated_ciphertext: None }, ExpiredCause::SvMissing),
            (RefreshFeed::Refreshed { sv: SvClaim::Invalid, rotated_ciphertext: None }, ExpiredCause::SvInvalid),
            (RefreshFeed::Refreshed { sv: SvClaim::Value(3), rotated_ciphertext: None }, ExpiredCause::SvRegressed),
        ];
        for (feed, cause) in cases {
            let mut m = to_refresh(Some(4), Some(5));
            assert_eq!(m.feed(Feed::Refresh(feed)), &Step::Done(Outcome::Expired(cause)), "{cause}");
        }
        // Regression against the cached value alone (session without sv).
        let mut m = to_refresh(None, Some(5));
        assert_eq!(m.feed(refreshed(4)), &Step::Done(Outcome::Expired(ExpiredCause::SvRegressed)));
        // Persist failure leaves no RecordCache step.
        let mut m = to_refresh(Some(4), None);
        m.feed(refreshed(4));
        assert_eq!(m.feed(Feed::StoreFailed), &Step::Done(Outcome::Expired(ExpiredCause::PersistFailed)));
    }

    #[test]
    fn no_cipher_expires_without_fetching() {
        let mut m = SessionCheck::new("s1", false);
        m.feed(Feed::Session(snapshot(Some(1))));
        assert_eq!(m.feed(Feed::Cache(None)), &Step::Done(Outcome::Expired(ExpiredCause::NoCipher)));
        let mut m = SessionCheck::new("s1", false);
        m.feed(Feed::Session(snapshot(Some(1))));
        assert!(matches!(m.feed(Feed::Cache(Some(1))), Step::Done(Outcome::Authenticated { .. })));
    }
}
