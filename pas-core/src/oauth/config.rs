//! [`PasConfig`]: who the client is and where PAS's endpoints are.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

use crate::error::{Error, ErrorCode, Result};
use crate::http::HttpOptions;

/// PAS's production base URL (also its issuer).
pub const PRODUCTION_BASE_URL: &str = "https://accounts.ppoppo.com";

/// The default OAuth scopes (D7).
pub const DEFAULT_SCOPES: [&str; 2] = ["openid", "profile"];

/// Client registration and PAS endpoints.
///
/// Built with [`PasConfig::new`] (PAS's URL layout under one base URL),
/// [`PasConfig::from_endpoints`] (every URL explicit), [`PasConfig::from_env`] or
/// [`crate::oauth::discover`]. Fields are private so that every value stays validated:
///
/// * endpoints are absolute `https` URLs without fragment; plain `http` is accepted only for
///   loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), so tokens and codes never cross a network
///   in clear text. A TLS-terminating sidecar can still be reached on loopback.
/// * the redirect URI is any absolute URL without fragment (RFC 6749 §3.1.2); custom schemes are
///   allowed for native apps (RFC 8252 §7.1).
/// * scopes are RFC 6749 §3.3 scope tokens (no space, quote or backslash).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasConfig {
    client_id: String,
    redirect_uri: Url,
    issuer: Option<String>,
    authorization_endpoint: Url,
    token_endpoint: Url,
    userinfo_endpoint: Url,
    jwks_uri: Url,
    scopes: Vec<String>,
    http: HttpOptions,
}

impl PasConfig {
    /// A configuration with PAS's URL layout under `base_url` (D7): `{base}/oauth/authorize`,
    /// `{base}/oauth/token`, `{base}/oauth/userinfo`, `{base}/.well-known/jwks.json`; the issuer is
    /// `base_url` exactly as given. Scopes default to `openid profile`, timeouts to
    /// [`HttpOptions::default`].
    ///
    /// # Errors
    /// `invalid_config` for an empty client id; `invalid_url` for a redirect URI or base URL that
    /// does not parse or breaks the rules above (a base URL with query or fragment included).
    pub fn new(client_id: impl Into<String>, redirect_uri: impl AsRef<str>, base_url: impl AsRef<str>) -> Result<Self> {
        let base = base_url.as_ref();
        let base_url = parse_endpoint(base, "base URL")?;
        if base_url.query().is_some() {
            return Err(Error::new(ErrorCode::InvalidUrl, "the base URL must not have a query"));
        }
        let [authorize, token, userinfo, jwks] = pas_layout(base)?;
        let mut config = Self::from_endpoints(client_id, redirect_uri, authorize, token, userinfo, jwks)?;
        config.issuer = Some(base.to_owned());
        Ok(config)
    }

    /// A configuration with every endpoint given explicitly and no issuer.
    ///
    /// # Errors
    /// As [`PasConfig::new`].
    pub fn from_endpoints(
        client_id: impl Into<String>,
        redirect_uri: impl AsRef<str>,
        authorization_endpoint: impl AsRef<str>,
        token_endpoint: impl AsRef<str>,
        userinfo_endpoint: impl AsRef<str>,
        jwks_uri: impl AsRef<str>,
    ) -> Result<Self> {
        let client_id = client_id.into();
        if client_id.trim().is_empty() {
            return Err(Error::new(ErrorCode::InvalidConfig, "the client id is empty"));
        }
        Ok(Self {
            client_id,
            redirect_uri: parse_redirect_uri(redirect_uri.as_ref())?,
            issuer: None,
            authorization_endpoint: parse_endpoint(authorization_endpoint.as_ref(), "authorization endpoint")?,
            token_endpoint: parse_endpoint(token_endpoint.as_ref(), "token endpoint")?,
            userinfo_endpoint: parse_endpoint(userinfo_endpoint.as_ref(), "userinfo endpoint")?,
            jwks_uri: parse_endpoint(jwks_uri.as_ref(), "JWKS URI")?,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            http: HttpOptions::default(),
        })
    }

    /// Reads the configuration from the process environment; see [`PasConfig::from_env_with`].
    ///
    /// # Errors
    /// As [`PasConfig::from_env_with`].
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a testable `from_env`).
    ///
    /// Variables (values are trimmed; an empty value counts as unset):
    ///
    /// * `PAS_CLIENT_ID`, `PAS_REDIRECT_URI`: required.
    /// * `PAS_ISSUER`: PAS's base URL and issuer; fills the endpoints with PAS's layout.
    /// * `PAS_AUTH_URL`, `PAS_TOKEN_URL`, `PAS_USERINFO_URL`, `PAS_JWKS_URL`: override single
    ///   endpoints; without `PAS_ISSUER` all four are required (there is no silent production
    ///   default).
    /// * `PAS_SCOPES`: scopes separated by commas and/or whitespace; empty items are dropped; a
    ///   value with no scope at all is an error. Default `openid profile`.
    /// * `PAS_CONNECT_TIMEOUT_MS`, `PAS_TIMEOUT_MS`: positive integers (milliseconds).
    ///
    /// # Errors
    /// `invalid_config` whose message names the missing or invalid variable, never its value.
    pub fn from_env_with<F>(lookup: F) -> Result<Self>
    where
        F: Fn(&str) -> Option<String>,
    {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let required =
            |name: &str| get(name).ok_or_else(|| Error::new(ErrorCode::InvalidConfig, format!("{name} is not set")));
        let invalid = |name: &str, why: &str| Error::new(ErrorCode::InvalidConfig, format!("{name} is invalid: {why}"));

        let client_id = required("PAS_CLIENT_ID")?;
        let redirect_uri = required("PAS_REDIRECT_URI")?;
        parse_redirect_uri(&redirect_uri).map_err(|e| invalid("PAS_REDIRECT_URI", e.detail()))?;

        let mut config = match get("PAS_ISSUER") {
            Some(issuer) => {
                Self::new(client_id, &redirect_uri, &issuer).map_err(|e| invalid("PAS_ISSUER", e.detail()))?
            }
            None => {
                if get("PAS_AUTH_URL").is_none() {
                    return Err(Error::new(
                        ErrorCode::InvalidConfig,
                        "PAS_ISSUER is not set (or set all of PAS_AUTH_URL, PAS_TOKEN_URL, \
                         PAS_USERINFO_URL and PAS_JWKS_URL)",
                    ));
                }
                let mut urls = Vec::with_capacity(4);
                for name in ["PAS_AUTH_URL", "PAS_TOKEN_URL", "PAS_USERINFO_URL", "PAS_JWKS_URL"] {
                    let value = required(name)?;
                    parse_endpoint(&value, "URL").map_err(|e| invalid(name, e.detail()))?;
                    urls.push(value);
                }
                let [auth, token, userinfo, jwks] = urls.as_slice() else {
                    return Err(Error::from_code(ErrorCode::Internal));
                };
                Self::from_endpoints(client_id, &redirect_uri, auth, token, userinfo, jwks)?
            }
        };

        for (name, slot) in [
            ("PAS_AUTH_URL", Endpoint::Authorization),
            ("PAS_TOKEN_URL", Endpoint::Token),
            ("PAS_USERINFO_URL", Endpoint::Userinfo),
            ("PAS_JWKS_URL", Endpoint::Jwks),
        ] {
            if let Some(value) = get(name) {
                let url = parse_endpoint(&value, "URL").map_err(|e| invalid(name, e.detail()))?;
                config.set_endpoint(slot, url);
            }
        }

        if let Some(value) = get("PAS_SCOPES") {
            let scopes: Vec<&str> =
                value.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).collect();
            if scopes.is_empty() {
                return Err(invalid("PAS_SCOPES", "no scope given"));
            }
            config = config.with_scopes(scopes).map_err(|e| invalid("PAS_SCOPES", e.detail()))?;
        }

        let millis = |name: &str| -> Result<Option<Duration>> {
            match get(name) {
                None => Ok(None),
                Some(v) => match v.parse::<u64>() {
                    Ok(ms) if ms > 0 => Ok(Some(Duration::from_millis(ms))),
                    _ => Err(invalid(name, "expected a positive whole number of milliseconds")),
                },
            }
        };
        if let Some(d) = millis("PAS_CONNECT_TIMEOUT_MS")? {
            config.http.connect_timeout = d;
        }
        if let Some(d) = millis("PAS_TIMEOUT_MS")? {
            config.http.request_timeout = d;
        }
        Ok(config)
    }

    /// Replaces the authorization endpoint.
    ///
    /// # Errors
    /// `invalid_url` (see the type's rules).
    pub fn with_authorization_endpoint(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.authorization_endpoint = parse_endpoint(url.as_ref(), "authorization endpoint")?;
        Ok(self)
    }

    /// Replaces the token endpoint.
    ///
    /// # Errors
    /// `invalid_url` (see the type's rules).
    pub fn with_token_endpoint(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.token_endpoint = parse_endpoint(url.as_ref(), "token endpoint")?;
        Ok(self)
    }

    /// Replaces the userinfo endpoint.
    ///
    /// # Errors
    /// `invalid_url` (see the type's rules).
    pub fn with_userinfo_endpoint(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.userinfo_endpoint = parse_endpoint(url.as_ref(), "userinfo endpoint")?;
        Ok(self)
    }

    /// Replaces the JWKS URI.
    ///
    /// # Errors
    /// `invalid_url` (see the type's rules).
    pub fn with_jwks_uri(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.jwks_uri = parse_endpoint(url.as_ref(), "JWKS URI")?;
        Ok(self)
    }

    /// Replaces the redirect URI.
    ///
    /// # Errors
    /// `invalid_url` when it does not parse, is relative or has a fragment.
    pub fn with_redirect_uri(mut self, url: impl AsRef<str>) -> Result<Self> {
        self.redirect_uri = parse_redirect_uri(url.as_ref())?;
        Ok(self)
    }

    /// Sets or clears the expected issuer (compared byte for byte with `iss`).
    ///
    /// # Errors
    /// `invalid_config` for an empty issuer.
    pub fn with_issuer(mut self, issuer: Option<String>) -> Result<Self> {
        if issuer.as_deref().is_some_and(|i| i.trim().is_empty()) {
            return Err(Error::new(ErrorCode::InvalidConfig, "the issuer is empty"));
        }
        self.issuer = issuer;
        Ok(self)
    }

    /// Replaces the scopes. An empty list sends no `scope` parameter.
    ///
    /// # Errors
    /// `invalid_config` when a scope is empty or not an RFC 6749 §3.3 scope token.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        for scope in &scopes {
            let ok = !scope.is_empty()
                && scope.bytes().all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b));
            if !ok {
                return Err(Error::new(
                    ErrorCode::InvalidConfig,
                    "a scope is empty or contains a character RFC 6749 does not allow",
                ));
            }
        }
        self.scopes = scopes;
        Ok(self)
    }

    /// Replaces both timeouts.
    #[must_use]
    pub fn with_http_options(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// Sets the connect timeout (zero is refused when the client is built).
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.http.connect_timeout = timeout;
        self
    }

    /// Sets the total request timeout (zero is refused when the client is built).
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.http.request_timeout = timeout;
        self
    }

    /// The OAuth client id (public client: there is no secret).
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The redirect URI, sent byte-identically at `/authorize` and at the token endpoint.
    #[must_use]
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// The expected issuer, if known.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// The authorization endpoint.
    #[must_use]
    pub fn authorization_endpoint(&self) -> &Url {
        &self.authorization_endpoint
    }

    /// The token endpoint.
    #[must_use]
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }

    /// The userinfo endpoint.
    #[must_use]
    pub fn userinfo_endpoint(&self) -> &Url {
        &self.userinfo_endpoint
    }

    /// The JWKS URI.
    #[must_use]
    pub fn jwks_uri(&self) -> &Url {
        &self.jwks_uri
    }

    /// The scopes requested at `/authorize`.
    #[must_use]
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The HTTP timeouts.
    #[must_use]
    pub fn http_options(&self) -> HttpOptions {
        self.http
    }

    fn set_endpoint(&mut self, which: Endpoint, url: Url) {
        match which {
            Endpoint::Authorization => self.authorization_endpoint = url,
            Endpoint::Token => self.token_endpoint = url,
            Endpoint::Userinfo => self.userinfo_endpoint = url,
            Endpoint::Jwks => self.jwks_uri = url,
        }
    }

    /// Used by discovery, which has already validated every URL.
    pub(crate) fn from_parts(
        client_id: String,
        redirect_uri: Url,
        issuer: String,
        endpoints: [Url; 4],
        http: HttpOptions,
    ) -> Self {
        let [authorization_endpoint, token_endpoint, userinfo_endpoint, jwks_uri] = endpoints;
        Self {
            client_id,
            redirect_uri,
            issuer: Some(issuer),
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint,
            jwks_uri,
            scopes: DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            http,
        }
    }
}

#[derive(Clone, Copy)]
enum Endpoint {
    Authorization,
    Token,
    Userinfo,
    Jwks,
}

/// `{base}/oauth/authorize`, `{base}/oauth/token`, `{base}/oauth/userinfo`,
/// `{base}/.well-known/jwks.json` (a trailing `/` of the base is not doubled).
pub(crate) fn pas_layout(base: &str) -> Result<[Url; 4]> {
    let base = base.trim_end_matches('/');
    Ok([
        parse_endpoint(&format!("{base}/oauth/authorize"), "authorization endpoint")?,
        parse_endpoint(&format!("{base}/oauth/token"), "token endpoint")?,
        parse_endpoint(&format!("{base}/oauth/userinfo"), "userinfo endpoint")?,
        parse_endpoint(&format!("{base}/.well-known/jwks.json"), "JWKS URI")?,
    ])
}

/// Whether a URL's host is loopback (`localhost`, `127.0.0.0/8`, `::1`).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Parses a URL pas will send requests to: absolute, `https` (or `http` on loopback), with a host,
/// no fragment, no credentials. `what` names it in the error (never the value).
pub(crate) fn parse_endpoint(raw: &str, what: &str) -> Result<Url> {
    let url =
        Url::parse(raw).map_err(|_| Error::new(ErrorCode::InvalidUrl, format!("the {what} is not a valid URL")))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::new(
                ErrorCode::InvalidUrl,
                format!("the {what} must use https (plain http is allowed only on loopback)"),
            ));
        }
        _ => {
            return Err(Error::new(ErrorCode::InvalidUrl, format!("the {what} must be an http(s) URL")));
        }
    }
    if url.host().is_none() {
        return Err(Error::new(ErrorCode::InvalidUrl, format!("the {what} has no host")));
    }
    if url.fragment().is_some() {
        return Err(Error::new(ErrorCode::InvalidUrl, format!("the {what} must not have a fragment")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::new(ErrorCode::InvalidUrl, format!("the {what} must not carry credentials")));
    }
    Ok(url)
}

/// Parses a redirect URI: absolute, no fragment (RFC 6749 §3.1.2); any scheme (RFC 8252).
pub(crate) fn parse_redirect_uri(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).map_err(|_| Error::new(ErrorCode::InvalidUrl, "the redirect URI is not a valid URL"))?;
    if url.fragment().is_some() {
        return Err(Error::new(ErrorCode::InvalidUrl, "the redirect URI must not have a fragment"));
    }
    if url.cannot_be_a_base() {
        return Err(Error::new(ErrorCode::InvalidUrl, "the redirect URI is not a hierarchical URL"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| map.get(name).cloned()
    }

    const CB: &str = "https://app.example/callback";

    #[test]
    fn pas_layout_from_base_url() {
        for base in ["https://pas.example", "https://pas.example/"] {
            let c = PasConfig::new("cid", CB, base).unwrap();
            assert_eq!(c.authorization_endpoint().as_str(), "https://pas.example/oauth/authorize");
            assert_eq!(c.token_endpoint().as_str(), "https://pas.example/oauth/token");
            assert_eq!(c.userinfo_endpoint().as_str(), "https://pas.example/oauth/userinfo");
            assert_eq!(c.jwks_uri().as_str(), "https://pas.example/.well-known/jwks.json");
            assert_eq!(c.issuer(), Some(base));
            assert_eq!(c.scopes(), ["openid", "profile"]);
            assert_eq!(c.client_id(), "cid");
            assert_eq!(c.redirect_uri().as_str(), CB);
            assert_eq!(c.http_options(), HttpOptions::default());
        }
        let c = PasConfig::new("cid", CB, "https://host.example/pas").unwrap();
        assert_eq!(c.token_endpoint().as_str(), "https://host.example/pas/oauth/token");
    }

    #[test]
    fn url_rules() {
        let code = |r: Result<PasConfig>| r.unwrap_err().code();
        assert_eq!(code(PasConfig::new("cid", CB, "ftp://pas.example")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", CB, "not a url")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", CB, "http://pas.example")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", CB, "https://pas.example?a=b")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", CB, "https://u:p@pas.example")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", "https://a/cb#x", "https://p")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new("cid", "/cb", "https://p")), ErrorCode::InvalidUrl);
        assert_eq!(code(PasConfig::new(" ", CB, "https://p")), ErrorCode::InvalidConfig);
        for ok in ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "http://127.5.0.1"] {
            PasConfig::new("cid", CB, ok).unwrap();
        }
        // Native-app redirect URIs with private schemes are allowed.
        PasConfig::new("cid", "com.example.app:/oauth2redirect", "https://p").unwrap();
        let c = PasConfig::new("cid", CB, "https://p").unwrap();
        assert_eq!(c.clone().with_token_endpoint("http://pas.example/t").unwrap_err().code(), ErrorCode::InvalidUrl);
        let c = c.with_token_endpoint("https://other.example/t").unwrap();
        assert_eq!(c.token_endpoint().as_str(), "https://other.example/t");
    }

    #[test]
    fn scopes_rules() {
        let c = PasConfig::new("cid", CB, "https://p").unwrap();
        assert_eq!(c.clone().with_scopes(["a b"]).unwrap_err().code(), ErrorCode::InvalidConfig);
        assert_eq!(c.clone().with_scopes([""]).unwrap_err().code(), ErrorCode::InvalidConfig);
        assert_eq!(c.clone().with_scopes(["a\"b"]).unwrap_err().code(), ErrorCode::InvalidConfig);
        let c = c.with_scopes(["openid", "email", "x:y"]).unwrap();
        assert_eq!(c.scopes(), ["openid", "email", "x:y"]);
    }

    #[test]
    fn env_minimal_with_issuer() {
        let c = PasConfig::from_env_with(env(&[
            ("PAS_CLIENT_ID", " cid "),
            ("PAS_REDIRECT_URI", CB),
            ("PAS_ISSUER", "https://pas.example"),
        ]))
        .unwrap();
        assert_eq!(c.client_id(), "cid");
        assert_eq!(c.issuer(), Some("https://pas.example"));
        assert_eq!(c.token_endpoint().as_str(), "https://pas.example/oauth/token");
        assert_eq!(c.scopes(), ["openid", "profile"]);
    }

    #[test]
    fn env_missing_and_invalid_variables_are_named_not_echoed() {
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("PAS_REDIRECT_URI", CB), ("PAS_ISSUER", "https://p")], "PAS_CLIENT_ID"),
            (vec![("PAS_CLIENT_ID", "  "), ("PAS_REDIRECT_URI", CB), ("PAS_ISSUER", "https://p")], "PAS_CLIENT_ID"),
            (vec![("PAS_CLIENT_ID", "c"), ("PAS_ISSUER", "https://p")], "PAS_REDIRECT_URI"),
            (
                vec![("PAS_CLIENT_ID", "c"), ("PAS_REDIRECT_URI", "no-such secret-uri"), ("PAS_ISSUER", "https://p")],
                "PAS_REDIRECT_URI",
            ),
            (vec![("PAS_CLIENT_ID", "c"), ("PAS_REDIRECT_URI", CB)], "PAS_ISSUER"),
            (
                vec![("PAS_CLIENT_ID", "c"), ("PAS_REDIRECT_URI", CB), ("PAS_ISSUER", "gopher://secret-host")],
                "PAS_ISSUER",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_TOKEN_URL", "secret-value"),
                ],
                "PAS_TOKEN_URL",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_SCOPES", " , ,"),
                ],
                "PAS_SCOPES",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_SCOPES", "a,\"secret\""),
                ],
                "PAS_SCOPES",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_TIMEOUT_MS", "secret-ms"),
                ],
                "PAS_TIMEOUT_MS",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_TIMEOUT_MS", "0"),
                ],
                "PAS_TIMEOUT_MS",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_ISSUER", "https://p"),
                    ("PAS_CONNECT_TIMEOUT_MS", "-5"),
                ],
                "PAS_CONNECT_TIMEOUT_MS",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_AUTH_URL", "https://p/a"),
                    ("PAS_TOKEN_URL", "https://p/t"),
                    ("PAS_USERINFO_URL", "https://p/u"),
                ],
                "PAS_JWKS_URL",
            ),
            (
                vec![
                    ("PAS_CLIENT_ID", "c"),
                    ("PAS_REDIRECT_URI", CB),
                    ("PAS_AUTH_URL", "https://p/a"),
                    ("PAS_TOKEN_URL", "https://p/t"),
                    ("PAS_USERINFO_URL", "secret-u"),
                    ("PAS_JWKS_URL", "https://p/j"),
                ],
                "PAS_USERINFO_URL",
            ),
        ];
        for (vars, name) in cases {
            let err = PasConfig::from_env_with(env(&vars)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidConfig, "{name}: {err}");
            let text = format!("{err} {err:?}");
            assert!(text.contains(name), "{name} not named in {text}");
            assert!(!text.contains("secret"), "value echoed: {text}");
        }
    }

    #[test]
    fn env_explicit_endpoints_scopes_and_timeouts() {
        let c = PasConfig::from_env_with(env(&[
            ("PAS_CLIENT_ID", "cid"),
            ("PAS_REDIRECT_URI", "http://127.0.0.1:3000/cb"),
            ("PAS_AUTH_URL", "https://p.example/authz"),
            ("PAS_TOKEN_URL", "https://p.example/tok"),
            ("PAS_USERINFO_URL", "https://p.example/me"),
            ("PAS_JWKS_URL", "https://p.example/keys"),
            ("PAS_SCOPES", " openid, email  profile,,offline_access "),
            ("PAS_CONNECT_TIMEOUT_MS", "250"),
            ("PAS_TIMEOUT_MS", " 1500 "),
        ]))
        .unwrap();
        assert_eq!(c.issuer(), None);
        assert_eq!(c.authorization_endpoint().as_str(), "https://p.example/authz");
        assert_eq!(c.token_endpoint().as_str(), "https://p.example/tok");
        assert_eq!(c.userinfo_endpoint().as_str(), "https://p.example/me");
        assert_eq!(c.jwks_uri().as_str(), "https://p.example/keys");
        assert_eq!(c.scopes(), ["openid", "email", "profile", "offline_access"]);
        assert_eq!(c.http_options().connect_timeout, Duration::from_millis(250));
        assert_eq!(c.http_options().request_timeout, Duration::from_millis(1500));

        // With an issuer, one explicit URL overrides only its endpoint.
        let c = PasConfig::from_env_with(env(&[
            ("PAS_CLIENT_ID", "cid"),
            ("PAS_REDIRECT_URI", CB),
            ("PAS_ISSUER", "https://pas.example"),
            ("PAS_JWKS_URL", "https://keys.example/jwks"),
        ]))
        .unwrap();
        assert_eq!(c.jwks_uri().as_str(), "https://keys.example/jwks");
        assert_eq!(c.token_endpoint().as_str(), "https://pas.example/oauth/token");
    }
}
