//! [`PasClient`]: the HTTP token client (code exchange and refresh) and its single response
//! classifier (D11, D12, T01).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};

use super::PasConfig;
use crate::error::Result;
use crate::http::{self, CappedResponse, HttpClient, MAX_BODY_BYTES};
use crate::pas_port::{PasFailure, PasPort, TokenResponse};
use crate::secret::SecretString;

/// The token client of a public OAuth client (no client secret).
///
/// Cheap to clone (the configuration is behind an `Arc`, the connection pool is shared);
/// `Send + Sync`. Redirects are never followed (a 3xx is `pas_transport`, and the form with its
/// code or refresh token is never re-sent elsewhere, RFC 9700 §4.12). `Debug` shows the
/// configuration only, which holds no secret.
#[derive(Clone)]
pub struct PasClient {
    config: Arc<PasConfig>,
    http: Arc<HttpClient>,
}

impl fmt::Debug for PasClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasClient").field("config", &self.config).finish_non_exhaustive()
    }
}

impl PasClient {
    /// A client for `config`, with the HTTP rules of [`crate::http::HttpOptions::build_client`]
    /// (its timeouts, rustls, no redirects).
    ///
    /// # Errors
    /// `invalid_config` when a timeout is zero or the TLS stack cannot start.
    pub fn new(config: PasConfig) -> Result<Self> {
        let http = Arc::new(HttpClient::new(config.http_options())?);
        Ok(Self { config: Arc::new(config), http })
    }

    /// The configuration this client uses.
    #[must_use]
    pub fn config(&self) -> &PasConfig {
        &self.config
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5): `POST` to the token
    /// endpoint with `grant_type=authorization_code`, `code`, `redirect_uri` (byte-identical to the
    /// authorization request's), `client_id` and `code_verifier`.
    ///
    /// The values are sent as given; PAS is the judge of them (a wrong verifier is a 400
    /// `invalid_grant`, i.e. `Rejected`).
    ///
    /// # Errors
    /// A [`PasFailure`] classified by the rules of [`PasClient`]'s module: 4xx `Rejected`
    /// (`pas_rejected`), 5xx/408/429 `ServerError` (`pas_server_error`, with `Retry-After`),
    /// timeouts `pas_timeout`, connect failures, 1xx/3xx and dropped connections `pas_transport`,
    /// a 2xx that is not a well-formed token response `pas_bad_response`.
    pub async fn exchange_code(&self, code: &str, code_verifier: &str) -> Result<TokenResponse, PasFailure> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", self.config.redirect_uri().as_str())
            .append_pair("client_id", self.config.client_id())
            .append_pair("code_verifier", code_verifier)
            .finish();
        self.token_request(form, "authorization_code").await
    }

    /// Refreshes (RFC 6749 §6): `POST` to the token endpoint with `grant_type=refresh_token`,
    /// `refresh_token` and `client_id`. The answer may carry no, the same, or a new refresh token.
    ///
    /// # Errors
    /// As [`PasClient::exchange_code`].
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenResponse, PasFailure> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token.expose())
            .append_pair("client_id", self.config.client_id())
            .finish();
        self.token_request(form, "refresh_token").await
    }

    async fn token_request(&self, form: String, grant: &'static str) -> Result<TokenResponse, PasFailure> {
        let request = self
            .http
            .get()
            .post(self.config.token_endpoint().clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form);
        let result = match http::send_capped(request, MAX_BODY_BYTES).await {
            Ok(response) => classify_token_response(&response),
            Err(err) => Err(PasFailure::from(err)),
        };
        if let Err(failure) = &result {
            tracing::debug!(grant, code = %failure.code(), "token request failed");
        }
        result
    }
}

#[async_trait]
impl PasPort for PasClient {
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenResponse, PasFailure> {
        PasClient::refresh(self, refresh_token).await
    }
}

/// The single classifier of token-endpoint answers (D11, D12, T01).
///
/// * 2xx: the body must be within the cap, declared as JSON (`application/json` or `*/*+json`) and
///   pass [`TokenResponse::parse`]; otherwise `pas_bad_response`.
/// * other statuses: [`PasFailure::from_status`] with the RFC 6749 `error` member of a JSON body
///   (never the body itself) and the `Retry-After` seconds.
pub(crate) fn classify_token_response(response: &CappedResponse) -> Result<TokenResponse, PasFailure> {
    if (200..300).contains(&response.status) {
        if response.truncated {
            return Err(PasFailure::bad_response("the token response is larger than the 1 MiB cap"));
        }
        if !is_json(&response.headers) {
            return Err(PasFailure::bad_response("the token response is not declared as JSON"));
        }
        return TokenResponse::parse(&response.body);
    }
    let oauth_error = if response.truncated { None } else { oauth_error_of(&response.body) };
    Err(PasFailure::from_status(response.status, oauth_error, http::retry_after(&response.headers)))
}

/// The `error` member of a JSON object body, if any.
fn oauth_error_of(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("error")?.as_str().map(str::to_owned)
}

/// Whether `Content-Type` is `application/json` or a `+json` type (parameters ignored).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.split_once('/').is_some_and(|(_, sub)| sub.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use reqwest::header::{HeaderValue, RETRY_AFTER};
    use std::time::Duration;

    fn response(status: u16, ct: Option<&str>, body: &str) -> CappedResponse {
        let mut headers = HeaderMap::new();
        if let Some(ct) = ct {
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        CappedResponse { status, headers, body: body.as_bytes().to_vec(), truncated: false }
    }

    const OK: &str = r#"{"access_token":"at","token_type":"Bearer"}"#;

    #[test]
    fn any_2xx_with_json_succeeds() {
        for status in [200, 201, 203] {
            for ct in ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/x+json"]
            {
                classify_token_response(&response(status, Some(ct), OK)).unwrap();
            }
        }
    }

    #[test]
    fn content_type_and_cap_are_enforced() {
        for ct in [None, Some("text/html"), Some("text/plain"), Some("application/jsonx")] {
            let err = classify_token_response(&response(200, ct, OK)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::PasBadResponse, "{ct:?}");
        }
        let mut r = response(200, Some("application/json"), OK);
        r.truncated = true;
        assert_eq!(classify_token_response(&r).unwrap_err().code(), ErrorCode::PasBadResponse);
    }

    #[test]
    fn error_statuses() {
        let r = response(400, Some("application/json"), r#"{"error":"invalid_grant","error_description":"x"}"#);
        assert_eq!(
            classify_token_response(&r).unwrap_err(),
            PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) }
        );
        // A non-code `error` value (could be an echoed token) is dropped.
        let r = response(400, None, r#"{"error":"has space and secret"}"#);
        assert_eq!(classify_token_response(&r).unwrap_err(), PasFailure::Rejected { status: 400, oauth_error: None });
        let mut r = response(429, None, "");
        r.headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            classify_token_response(&r).unwrap_err(),
            PasFailure::ServerError { status: 429, retry_after: Some(Duration::from_secs(7)) }
        );
        let r = response(302, None, "");
        assert_eq!(classify_token_response(&r).unwrap_err().code(), ErrorCode::PasTransport);
    }
}
