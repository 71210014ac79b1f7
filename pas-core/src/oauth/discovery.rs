//! OpenID Connect Discovery 1.0 (§4): a [`PasConfig`] from `{issuer}/.well-known/openid-configuration`.

use reqwest::header::ACCEPT;
use serde_json::Value;

use super::PasConfig;
use super::config::{parse_endpoint, parse_redirect_uri, pas_layout};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{self, HttpOptions, MAX_BODY_BYTES};

/// Fetches `{issuer}/.well-known/openid-configuration` and builds a [`PasConfig`] from it.
///
/// Rules: the body is read with the 1 MiB cap and `http`'s timeouts, redirects are not followed;
/// the answer must be 2xx with a JSON object whose `issuer` equals `issuer` byte for byte
/// (OpenID Discovery §4.3); `authorization_endpoint`, `token_endpoint` and `jwks_uri` are required
/// and must be URLs pas accepts (https, or http on loopback; see [`PasConfig`]);
/// `userinfo_endpoint` is optional (PAS's layout `{issuer}/oauth/userinfo` when absent); when
/// `code_challenge_methods_supported` is present it must list `S256`. The result has the default
/// scopes and the given `http` options; a trailing `/` of `issuer` is not doubled in the
/// discovery URL.
///
/// # Errors
/// `invalid_config` for an empty client id; `invalid_url` for a bad `issuer` or `redirect_uri`;
/// `invalid_config` for zero timeouts; `discovery_failed` for everything that goes wrong at or
/// after the request (transport, timeout, status, body, issuer mismatch, a missing or bad member).
/// Messages name the member, never its value.
pub async fn discover(
    issuer: &str,
    client_id: impl Into<String>,
    redirect_uri: impl AsRef<str>,
    http: HttpOptions,
) -> Result<PasConfig> {
    let client_id = client_id.into();
    if client_id.trim().is_empty() {
        return Err(Error::new(ErrorCode::InvalidConfig, "the client id is empty"));
    }
    let redirect_uri = parse_redirect_uri(redirect_uri.as_ref())?;
    let issuer_url = parse_endpoint(issuer, "issuer")?;
    if issuer_url.query().is_some() {
        return Err(Error::new(ErrorCode::InvalidUrl, "the issuer must not have a query"));
    }
    let well_known =
        parse_endpoint(&format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/')), "discovery URL")?;
    let client = http.build_client()?;

    let failed = |detail: &str| Error::new(ErrorCode::DiscoveryFailed, detail.to_owned());
    let request = client.get(well_known).header(ACCEPT, "application/json");
    let response = http::send_capped(request, MAX_BODY_BYTES).await.map_err(|e| {
        let what = if e.code() == ErrorCode::PasTimeout {
            "the discovery request timed out"
        } else {
            "the discovery request failed in transport"
        };
        failed(what)
    })?;
    if !(200..300).contains(&response.status) {
        return Err(failed("the discovery document could not be fetched").with_status(response.status));
    }
    if response.truncated {
        return Err(failed("the discovery document is larger than the 1 MiB cap"));
    }
    let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&response.body) else {
        return Err(failed("the discovery document is not a JSON object"));
    };

    match doc.get("issuer") {
        Some(Value::String(s)) if s == issuer => {}
        Some(Value::String(_)) => {
            return Err(failed("the discovery document's issuer does not match"));
        }
        _ => return Err(failed("the discovery document has no issuer")),
    }
    let endpoint = |name: &str| -> Result<Option<url::Url>> {
        match doc.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                parse_endpoint(s, name).map(Some).map_err(|e| failed(&format!("discovery: {}", e.detail())))
            }
            Some(_) => Err(failed(&format!("discovery: {name} is not a string"))),
        }
    };
    let required = |name: &str| -> Result<url::Url> {
        endpoint(name)?.ok_or_else(|| failed(&format!("discovery: {name} is missing")))
    };
    let authorization = required("authorization_endpoint")?;
    let token = required("token_endpoint")?;
    let jwks = required("jwks_uri")?;
    let userinfo = match endpoint("userinfo_endpoint")? {
        Some(url) => url,
        None => {
            let [_, _, userinfo, _] = pas_layout(issuer)?;
            userinfo
        }
    };
    if let Some(methods) = doc.get("code_challenge_methods_supported") {
        let s256 = methods.as_array().is_some_and(|list| list.iter().any(|m| m.as_str() == Some("S256")));
        if !s256 {
            return Err(failed("discovery: the server does not support PKCE S256"));
        }
    }
    Ok(PasConfig::from_parts(client_id, redirect_uri, issuer.to_owned(), [authorization, token, userinfo, jwks], http))
}
