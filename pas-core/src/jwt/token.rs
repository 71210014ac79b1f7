//! The result of a successful verification.

use std::sync::Arc;

use super::Algorithm;

/// A verified access token: only the claims pas checked, never the raw token.
///
/// `Debug` prints the claims below (no token, no signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    pub(crate) issuer: Arc<str>,
    pub(crate) subject: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) client_id: String,
    pub(crate) jwt_id: String,
    pub(crate) expires_at: u64,
    pub(crate) issued_at: u64,
    pub(crate) not_before: Option<u64>,
    pub(crate) session_id: Option<String>,
    pub(crate) sv: Option<i64>,
    pub(crate) scopes: Vec<String>,
    pub(crate) key_id: Option<String>,
    pub(crate) algorithm: Algorithm,
}

impl VerifiedToken {
    /// `sub`: the ppnum id of the account.
    #[must_use]
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `sv`: the session version, `None` when the token has no `sv` claim.
    #[must_use]
    pub fn sv(&self) -> Option<i64> {
        self.sv
    }

    /// `sid`: the PAS session id, `None` for tokens without one (machine / agent tokens).
    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// `client_id`: the OAuth client the token was issued to.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The space-separated `scope` claim, split; empty when absent.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether `scope` holds this exact scope token.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// `exp`, in Unix seconds.
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }

    /// `iat`, in Unix seconds.
    #[must_use]
    pub fn issued_at(&self) -> u64 {
        self.issued_at
    }

    /// `nbf`, in Unix seconds, when present.
    #[must_use]
    pub fn not_before(&self) -> Option<u64> {
        self.not_before
    }

    /// `jti`: the token's unique id (use it, never the signature bytes, as a replay-cache key).
    #[must_use]
    pub fn jwt_id(&self) -> &str {
        &self.jwt_id
    }

    /// `iss` (byte-equal to the verifier's expected issuer).
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The header `kid`, when the token named its key.
    #[must_use]
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// `aud`, always as a list (a string `aud` gives one element).
    #[must_use]
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// The algorithm the signature was verified with.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}
