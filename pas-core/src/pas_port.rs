//! The network boundary to PAS: what a refresh returns and how its failures are classified.
//!
//! [`PasPort`] is the one seam between the session logic and the network. The HTTP client
//! ([`crate::oauth::PasClient`]) and the scripted test double ([`crate::testing::ScriptedPas`])
//! both implement it, so the session and liveness paths never see HTTP. Once a [`PasFailure`] is
//! in hand, all policy code is HTTP-free (pas-reference §7).

use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::secret::SecretString;

/// A successful token-endpoint answer (RFC 6749 §5.1), shape-checked.
///
/// Tokens are [`SecretString`]s: `Debug` never shows them.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token (a JWT from PAS).
    pub access_token: SecretString,
    /// The token type (`Bearer`).
    pub token_type: String,
    /// Lifetime of the access token in seconds, when PAS says.
    #[serde(default)]
    pub expires_in: Option<u64>,
    /// A refresh token, when PAS issued one (absent, identical or new on refresh).
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// Granted scopes, space separated, when PAS says.
    #[serde(default)]
    pub scope: Option<String>,
    /// An OpenID Connect ID token, when PAS issued one.
    #[serde(default)]
    pub id_token: Option<SecretString>,
}

impl TokenResponse {
    /// Builds a response (tests and doubles; real ones come from [`TokenResponse::parse`]).
    #[must_use]
    pub fn new(access_token: impl Into<String>, refresh_token: Option<String>) -> Self {
        Self {
            access_token: SecretString::new(access_token),
            token_type: "Bearer".to_owned(),
            expires_in: Some(300),
            refresh_token: refresh_token.map(SecretString::new),
            scope: None,
            id_token: None,
        }
    }
}

/// The class of a failed call to PAS: the single place HTTP outcomes are interpreted (D11, D12).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasFailure {
    /// PAS answered 4xx (other than 408 and 429): the credential is dead.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The RFC 6749 `error` value, when the body had one.
        oauth_error: Option<String>,
    },
    /// PAS answered 5xx, 408 or 429: degraded, retry later, never revoke on the liveness path.
    ServerError {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` delay, when sent (D10).
        retry_after: Option<Duration>,
    },
    /// Anything else: a timeout, connect/TLS/DNS failure, a 1xx/3xx, or a 2xx whose body is not the
    /// expected JSON. Indistinguishable from a network blip.
    Transport {
        /// `pas_transport`, `pas_timeout` or `pas_bad_response`.
        code: ErrorCode,
        /// What happened, without any body or token.
        detail: String,
    },
}

impl PasFailure {
    /// Classifies a non-2xx HTTP status (D11, D12). 2xx is not a failure and maps to `Transport`
    /// only through [`PasFailure::bad_response`].
    #[must_use]
    pub fn from_status(
        status: u16,
        oauth_error: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        match status {
            408 | 429 | 500..=599 => PasFailure::ServerError {
                status,
                retry_after,
            },
            400..=499 => PasFailure::Rejected {
                status,
                oauth_error,
            },
            _ => PasFailure::Transport {
                code: ErrorCode::PasTransport,
                detail: format!("unexpected HTTP status {status}"),
            },
        }
    }

    /// A 2xx answer whose body is not the expected token response.
    #[must_use]
    pub fn bad_response(detail: impl Into<String>) -> Self {
        PasFailure::Transport {
            code: ErrorCode::PasBadResponse,
            detail: detail.into(),
        }
    }

    /// The stable code of this failure.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            PasFailure::Rejected { .. } => ErrorCode::PasRejected,
            PasFailure::ServerError { .. } => ErrorCode::PasServerError,
            PasFailure::Transport { code, .. } => *code,
        }
    }

    /// `Retry-After` of a `ServerError`, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PasFailure::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

impl From<PasFailure> for Error {
    fn from(failure: PasFailure) -> Self {
        match failure {
            PasFailure::Rejected {
                status,
                oauth_error,
            } => Error::new(ErrorCode::PasRejected, "PAS rejected the request")
                .with_status(status)
                .with_oauth_error(oauth_error),
            PasFailure::ServerError {
                status,
                retry_after,
            } => Error::new(ErrorCode::PasServerError, "PAS is unavailable")
                .with_status(status)
                .with_retry_after(retry_after),
            PasFailure::Transport { code, detail } => Error::new(code, detail),
        }
    }
}

impl From<Error> for PasFailure {
    /// Transport-class errors from the HTTP layer (timeouts, connect errors) become `Transport`.
    fn from(err: Error) -> Self {
        match err.code() {
            ErrorCode::PasRejected => PasFailure::Rejected {
                status: err.status().unwrap_or(400),
                oauth_error: err.oauth_error().map(str::to_owned),
            },
            ErrorCode::PasServerError => PasFailure::ServerError {
                status: err.status().unwrap_or(500),
                retry_after: err.retry_after(),
            },
            code @ (ErrorCode::PasTimeout | ErrorCode::PasBadResponse) => PasFailure::Transport {
                code,
                detail: err.detail().to_owned(),
            },
            _ => PasFailure::Transport {
                code: ErrorCode::PasTransport,
                detail: err.detail().to_owned(),
            },
        }
    }
}

/// The one call the session and liveness paths make to PAS.
#[async_trait]
pub trait PasPort: Send + Sync {
    /// `grant_type=refresh_token` at the token endpoint.
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenResponse, PasFailure>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_follow_d11_d12() {
        for s in [400, 401, 403, 404, 409, 499] {
            assert!(
                matches!(
                    PasFailure::from_status(s, None, None),
                    PasFailure::Rejected { .. }
                ),
                "{s}"
            );
        }
        for s in [408, 429, 500, 502, 503, 599] {
            assert!(
                matches!(
                    PasFailure::from_status(s, None, None),
                    PasFailure::ServerError { .. }
                ),
                "{s}"
            );
        }
        for s in [100, 302, 304, 600] {
            assert_eq!(
                PasFailure::from_status(s, None, None).code(),
                ErrorCode::PasTransport,
                "{s}"
            );
        }
    }
}
