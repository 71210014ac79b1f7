//! The periodic liveness refresh: fail-open (S-L3, pas-reference §8.2).
//!
//! A host calls this now and then (say, when a session was last checked more than 15 minutes
//! ago) to learn whether PAS still honours the session's refresh token. Only a definitive answer
//! revokes: a 4xx (other than 408/429) or a ciphertext that no key opens. PAS 5xx, 408, 429,
//! transport failures and garbled answers keep the session, because logging a fleet out on a PAS
//! hiccup is worse than serving a few more minutes. The opposite policy, fail-closed, is the
//! `sv` path in [`crate::session`].

use std::time::Duration;

use crate::cipher::{EncryptedRefreshToken, TokenCipher};
use crate::pas_port::{PasFailure, PasPort};
use crate::refresh::{PasRefreshOutcome, pas_refresh};

/// Why a liveness check revoked the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokeCause {
    /// The stored ciphertext could not be decrypted (key rotation accident, tampering): an
    /// operator should look.
    CipherFailure,
    /// PAS rejected the refresh token (4xx other than 408/429).
    PasRejected,
}

impl RevokeCause {
    /// Stable code: `decrypt_failed` or `pas_rejected`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RevokeCause::CipherFailure => "decrypt_failed",
            RevokeCause::PasRejected => "pas_rejected",
        }
    }
}

/// Why a liveness check could not conclude (keep serving the session).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransientCause {
    /// PAS answered 5xx/408/429, or the network or the answer failed.
    PasUnavailable,
    /// PAS rotated the token but re-encrypting it failed; the old ciphertext stays valid.
    EncryptFailed,
}

impl TransientCause {
    /// Stable code: `pas_unavailable` or `encrypt_failed`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TransientCause::PasUnavailable => "pas_unavailable",
            TransientCause::EncryptFailed => "encrypt_failed",
        }
    }
}

/// The result of one liveness refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub enum LivenessOutcome {
    /// PAS honoured the token. Persist `rotated_ciphertext` when present, and record the check.
    Fresh {
        /// The re-encrypted new refresh token, when PAS rotated it.
        rotated_ciphertext: Option<EncryptedRefreshToken>,
    },
    /// The session is dead: mark it revoked and drop it.
    Revoked {
        /// Why.
        cause: RevokeCause,
        /// HTTP status PAS answered, for `PasRejected`.
        status: Option<u16>,
    },
    /// Nothing was learned: keep serving the session and try again later.
    Transient {
        /// Why.
        cause: TransientCause,
        /// PAS's `Retry-After`, when it sent one (D10).
        retry_after: Option<Duration>,
    },
}

impl LivenessOutcome {
    /// Whether the host should keep the session (`Fresh` or `Transient`).
    #[must_use]
    pub fn keeps_session(&self) -> bool {
        !matches!(self, LivenessOutcome::Revoked { .. })
    }
}

/// Decrypts the stored refresh token, refreshes it at PAS and maps the answer by the fail-open
/// table of pas-reference §8.2.
pub async fn attempt_liveness_refresh(
    pas: &dyn PasPort,
    cipher: &TokenCipher,
    stored: &EncryptedRefreshToken,
) -> LivenessOutcome {
    match pas_refresh(pas, cipher, stored).await {
        PasRefreshOutcome::CipherFailure(_) => {
            tracing::warn!("liveness: stored refresh token could not be decrypted; revoking");
            LivenessOutcome::Revoked { cause: RevokeCause::CipherFailure, status: None }
        }
        PasRefreshOutcome::Failed(PasFailure::Rejected { status, .. }) => {
            LivenessOutcome::Revoked { cause: RevokeCause::PasRejected, status: Some(status) }
        }
        PasRefreshOutcome::Failed(failure) => {
            LivenessOutcome::Transient { cause: TransientCause::PasUnavailable, retry_after: failure.retry_after() }
        }
        PasRefreshOutcome::Refreshed { rotated_refresh_token: None, .. } => {
            LivenessOutcome::Fresh { rotated_ciphertext: None }
        }
        PasRefreshOutcome::Refreshed { rotated_refresh_token: Some(new), .. } => match cipher.encrypt(new.expose()) {
            Ok(ct) => LivenessOutcome::Fresh { rotated_ciphertext: Some(ct) },
            Err(_) => LivenessOutcome::Transient { cause: TransientCause::EncryptFailed, retry_after: None },
        },
    }
}
