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

    /// Parses and shape-checks the body of a 2xx token-endpoint answer (T01, D11).
    ///
    /// Rules: the body is a JSON object; `access_token` is a non-empty string; `token_type` is
    /// `Bearer` in any letter case (other types such as `DPoP` or `mac` are refused: pas only ever
    /// presents tokens as bearer tokens, so a sender-constrained token would be unusable);
    /// `expires_in`, when present and not `null`, is a non-negative integer; `refresh_token` and
    /// `id_token`, when present and not `null`, are non-empty strings; `scope`, when present and not
    /// `null`, is a string. `null` counts as absent (servers that serialize `None` as `null`).
    /// Unknown members are ignored.
    ///
    /// # Errors
    /// [`PasFailure::bad_response`] (`pas_bad_response`) naming the member that failed, never its
    /// value or the body.
    pub fn parse(body: &[u8]) -> Result<TokenResponse, PasFailure> {
        use serde_json::Value;

        let value: Value = serde_json::from_slice(body)
            .map_err(|_| PasFailure::bad_response("the token response is not valid JSON"))?;
        let Value::Object(map) = value else {
            return Err(PasFailure::bad_response("the token response is not a JSON object"));
        };
        let member = |name: &str| map.get(name).filter(|v| !v.is_null());

        let access_token = match member("access_token") {
            Some(Value::String(s)) if !s.is_empty() => SecretString::new(s.as_str()),
            Some(Value::String(_)) => {
                return Err(PasFailure::bad_response("access_token is empty"));
            }
            Some(_) => return Err(PasFailure::bad_response("access_token is not a string")),
            None => return Err(PasFailure::bad_response("access_token is missing")),
        };
        let token_type = match member("token_type") {
            Some(Value::String(s)) if s.eq_ignore_ascii_case("bearer") => s.clone(),
            Some(Value::String(s)) if s.is_empty() => {
                return Err(PasFailure::bad_response("token_type is empty"));
            }
            Some(Value::String(_)) => {
                return Err(PasFailure::bad_response("token_type is not Bearer"));
            }
            Some(_) => return Err(PasFailure::bad_response("token_type is not a string")),
            None => return Err(PasFailure::bad_response("token_type is missing")),
        };
        let expires_in = match member("expires_in") {
            None => None,
            Some(v) => {
                Some(v.as_u64().ok_or_else(|| PasFailure::bad_response("expires_in is not a non-negative integer"))?)
            }
        };
        let optional_secret = |name: &'static str| -> Result<Option<SecretString>, PasFailure> {
            match member(name) {
                None => Ok(None),
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(SecretString::new(s.as_str()))),
                Some(Value::String(_)) => Err(PasFailure::bad_response(format!("{name} is empty"))),
                Some(_) => Err(PasFailure::bad_response(format!("{name} is not a string"))),
            }
        };
        let refresh_token = optional_secret("refresh_token")?;
        let id_token = optional_secret("id_token")?;
        let scope = match member("scope") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(PasFailure::bad_response("scope is not a string")),
        };
        Ok(TokenResponse { access_token, token_type, expires_in, refresh_token, scope, id_token })
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
    ///
    /// `oauth_error` is kept only for `Rejected` and only if it looks like an RFC 6749 error code
    /// (see [`crate::error::sanitize_oauth_error`]); `retry_after` is kept only for `ServerError`.
    #[must_use]
    pub fn from_status(status: u16, oauth_error: Option<String>, retry_after: Option<Duration>) -> Self {
        match status {
            408 | 429 | 500..=599 => PasFailure::ServerError { status, retry_after },
            400..=499 => PasFailure::Rejected {
                status,
                oauth_error: oauth_error.as_deref().and_then(crate::error::sanitize_oauth_error),
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
        PasFailure::Transport { code: ErrorCode::PasBadResponse, detail: detail.into() }
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

impl std::fmt::Display for PasFailure {
    /// Same text as the [`Error`] this failure converts to (status, OAuth code, never a body).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&Error::from(self.clone()), f)
    }
}

impl std::error::Error for PasFailure {}

impl From<PasFailure> for Error {
    fn from(failure: PasFailure) -> Self {
        match failure {
            PasFailure::Rejected { status, oauth_error } => {
                Error::new(ErrorCode::PasRejected, "PAS rejected the request")
                    .with_status(status)
                    .with_oauth_error(oauth_error)
            }
            PasFailure::ServerError { status, retry_after } => {
                Error::new(ErrorCode::PasServerError, "PAS is unavailable")
                    .with_status(status)
                    .with_retry_after(retry_after)
            }
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
            ErrorCode::PasServerError => {
                PasFailure::ServerError { status: err.status().unwrap_or(500), retry_after: err.retry_after() }
            }
            code @ (ErrorCode::PasTimeout | ErrorCode::PasBadResponse) => {
                PasFailure::Transport { code, detail: err.detail().to_owned() }
            }
            _ => PasFailure::Transport { code: ErrorCode::PasTransport, detail: err.detail().to_owned() },
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
            assert!(matches!(PasFailure::from_status(s, None, None), PasFailure::Rejected { .. }), "{s}");
        }
        for s in [408, 429, 500, 502, 503, 599] {
            assert!(matches!(PasFailure::from_status(s, None, None), PasFailure::ServerError { .. }), "{s}");
        }
        for s in [100, 302, 304, 600] {
            assert_eq!(PasFailure::from_status(s, None, None).code(), ErrorCode::PasTransport, "{s}");
        }
    }

    #[test]
    fn parse_accepts_the_documented_shape() {
        let t = TokenResponse::parse(
            br#"{"access_token":"at","token_type":"bEaReR","expires_in":0,"refresh_token":"rt",
                "scope":"","id_token":"id","x":{"y":[]}}"#,
        )
        .unwrap();
        assert_eq!(t.access_token.expose(), "at");
        assert_eq!(t.token_type, "bEaReR");
        assert_eq!(t.expires_in, Some(0));
        assert_eq!(t.refresh_token.as_ref().map(SecretString::expose), Some("rt"));
        assert_eq!(t.scope.as_deref(), Some(""));
        assert_eq!(t.id_token.as_ref().map(SecretString::expose), Some("id"));
        let t = TokenResponse::parse(
            br#"{"access_token":"at","token_type":"Bearer","expires_in":null,"refresh_token":null}"#,
        )
        .unwrap();
        assert_eq!((t.expires_in, t.refresh_token), (None, None));
    }

    #[test]
    fn parse_refuses_bad_shapes_without_echoing_values() {
        for body in [
            &b"nope"[..],
            b"null",
            b"[]",
            br#"{"access_token":"SECRET"}"#,
            br#"{"access_token":"","token_type":"Bearer"}"#,
            br#"{"access_token":["SECRET"],"token_type":"Bearer"}"#,
            br#"{"access_token":"SECRET","token_type":"mac"}"#,
            br#"{"access_token":"SECRET","token_type":7}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","expires_in":"SECRET"}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","expires_in":-3}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","expires_in":2.5}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","refresh_token":5}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","refresh_token":""}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","id_token":true}"#,
            br#"{"access_token":"SECRET","token_type":"Bearer","scope":1}"#,
        ] {
            let failure = TokenResponse::parse(body).unwrap_err();
            assert_eq!(failure.code(), ErrorCode::PasBadResponse);
            let text = format!("{failure} {failure:?}");
            assert!(!text.contains("SECRET"), "{text}");
        }
    }

    #[test]
    fn from_status_sanitizes_the_oauth_error() {
        assert_eq!(
            PasFailure::from_status(400, Some("invalid_grant".into()), None),
            PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) }
        );
        for bad in ["", "has space", "eyJhbGciOi.SECRET/+=", &"a".repeat(65)] {
            assert_eq!(
                PasFailure::from_status(401, Some(bad.to_owned()), None),
                PasFailure::Rejected { status: 401, oauth_error: None },
                "{bad}"
            );
        }
        let f = PasFailure::from_status(503, Some("x".into()), Some(Duration::from_secs(3)));
        assert_eq!(f.to_string(), "pas_server_error: PAS is unavailable (status 503)");
        assert_eq!(f.retry_after(), Some(Duration::from_secs(3)));
    }
}
