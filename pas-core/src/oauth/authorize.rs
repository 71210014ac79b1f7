//! The authorization request (RFC 6749 §4.1.1 with PKCE S256, RFC 7636 §4.3).

use std::fmt;

use url::Url;

use super::PasConfig;
use crate::error::{Error, ErrorCode, Result};
use crate::pkce;
use crate::secret::SecretString;

/// Where to send the browser, and what to keep until the callback.
///
/// Keep `state` and `code_verifier` server-side (bound to the user's browser session); compare the
/// callback's `state` with `state` and pass `code_verifier` to
/// [`crate::oauth::PasClient::exchange_code`]. `Debug` redacts the verifier.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// The authorization endpoint with the request's query parameters.
    pub url: Url,
    /// The CSRF `state` value sent in `url`.
    pub state: String,
    /// The PKCE code verifier whose S256 challenge is in `url`. Secret until the code exchange.
    pub code_verifier: SecretString,
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRequest")
            .field("url", &self.url.as_str())
            .field("state", &self.state)
            .field("code_verifier", &self.code_verifier)
            .finish()
    }
}

/// Longest `state` accepted from a caller (it travels in a URL).
pub const MAX_STATE_LEN: usize = 512;

impl PasConfig {
    /// A fresh authorization request: a new 128-bit `state`, a new 64-character verifier and its
    /// S256 challenge. Two calls never share a state or verifier.
    ///
    /// # Errors
    /// None in practice (the generated verifier is always valid); the `Result` covers the shared
    /// path with [`PasConfig::authorization_request_with`].
    pub fn authorization_request(&self) -> Result<AuthorizationRequest> {
        let verifier = pkce::generate_code_verifier();
        self.authorization_request_with(verifier.expose(), &pkce::generate_state())
    }

    /// An authorization request with a caller-given verifier and state (deterministic; for hosts
    /// that generate their own values, and for tests).
    ///
    /// Query pairs are appended to the authorization endpoint's own query, in this order:
    /// `response_type=code`, `client_id`, `redirect_uri`, `state`, `code_challenge`,
    /// `code_challenge_method=S256`, `scope` (scopes joined by one space, form-urlencoded so the
    /// space is `+`; omitted when the scope list is empty).
    ///
    /// # Errors
    /// `invalid_verifier` when the verifier is not 43-128 unreserved characters;
    /// `invalid_argument` when `state` is empty or longer than [`MAX_STATE_LEN`] bytes.
    pub fn authorization_request_with(&self, code_verifier: &str, state: &str) -> Result<AuthorizationRequest> {
        let challenge = pkce::code_challenge(code_verifier)?;
        if state.is_empty() || state.len() > MAX_STATE_LEN {
            return Err(Error::new(ErrorCode::InvalidArgument, format!("state must have 1 to {MAX_STATE_LEN} bytes")));
        }
        let mut url = self.authorization_endpoint().clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", self.client_id())
                .append_pair("redirect_uri", self.redirect_uri().as_str())
                .append_pair("state", state)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            if !self.scopes().is_empty() {
                query.append_pair("scope", &self.scopes().join(" "));
            }
        }
        Ok(AuthorizationRequest { url, state: state.to_owned(), code_verifier: SecretString::new(code_verifier) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn config() -> PasConfig {
        PasConfig::new("my-client", "https://app.example/cb?x=1", "https://pas.example").unwrap()
    }

    #[test]
    fn exact_url_for_fixed_verifier_and_state() {
        let req = config().authorization_request_with(VERIFIER, "st-123").unwrap();
        assert_eq!(
            req.url.as_str(),
            format!(
                "https://pas.example/oauth/authorize?response_type=code&client_id=my-client\
                 &redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&state=st-123\
                 &code_challenge={CHALLENGE}&code_challenge_method=S256&scope=openid+profile"
            )
        );
        assert_eq!(req.state, "st-123");
        assert_eq!(req.code_verifier.expose(), VERIFIER);
        let names: Vec<String> = req.url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(
            names,
            ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scope"]
        );
    }

    #[test]
    fn existing_query_is_preserved_and_empty_scopes_are_omitted() {
        let c = config()
            .with_authorization_endpoint("https://pas.example/authz?tenant=a%20b")
            .unwrap()
            .with_scopes(Vec::<String>::new())
            .unwrap();
        let req = c.authorization_request_with(VERIFIER, "s").unwrap();
        let pairs: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("tenant".to_owned(), "a b".to_owned()));
        assert_eq!(pairs[1], ("response_type".to_owned(), "code".to_owned()));
        assert_eq!(pairs.last().unwrap().0, "code_challenge_method");
    }

    #[test]
    fn generated_requests_differ_and_are_consistent() {
        let c = config();
        let a = c.authorization_request().unwrap();
        let b = c.authorization_request().unwrap();
        assert_ne!(a.state, b.state);
        assert_ne!(a.code_verifier, b.code_verifier);
        assert_ne!(a.url, b.url);
        let challenge = pkce::code_challenge(a.code_verifier.expose()).unwrap();
        let find = |k: &str| a.url.query_pairs().find(|(n, _)| n == k).map(|(_, v)| v.into_owned());
        assert_eq!(find("code_challenge").as_deref(), Some(challenge.as_str()));
        assert_eq!(find("state").as_deref(), Some(a.state.as_str()));
        assert!(!a.url.as_str().contains(a.code_verifier.expose()));
        assert!(!format!("{a:?}").contains(a.code_verifier.expose()));
    }

    #[test]
    fn bad_inputs() {
        let c = config();
        assert_eq!(c.authorization_request_with("short", "s").unwrap_err().code(), ErrorCode::InvalidVerifier);
        assert_eq!(c.authorization_request_with(VERIFIER, "").unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(
            c.authorization_request_with(VERIFIER, &"s".repeat(513)).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
    }
}
