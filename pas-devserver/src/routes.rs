//! The PAS-shaped public endpoints.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::state::{AppState, AuthzError, AuthzRequest, Endpoint, Fault, OAuthError, SvClaim};

pub type Shared = Arc<AppState>;

/// Per-connection handle inserted by the accept loop; notifying it closes the socket.
#[derive(Debug, Clone)]
pub struct ConnKill(pub Arc<Notify>);

/// Extractor for the optional [`ConnKill`] of the current connection.
#[derive(Debug)]
pub struct Conn(pub Option<Arc<Notify>>);

impl<S: Send + Sync> FromRequestParts<S> for Conn {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Conn(parts.extensions.get::<ConnKill>().map(|k| k.0.clone())))
    }
}

/// Parses `application/x-www-form-urlencoded`; a repeated parameter is an error (RFC 6749 §3.1).
pub fn parse_params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if out.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("parameter {k:?} is repeated"));
        }
    }
    Ok(out)
}

fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = (status, Json(body)).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn oauth_error(e: &OAuthError) -> Response {
    let mut r = json_response(e.status, &e.body());
    if e.status == 401 {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"pas-devserver\""));
    }
    r
}

/// Applies the transport-level part of a fault. `Some(response)` = answer with that;
/// `None` = answer normally (the caller may still look at the `sv` fields).
pub async fn apply_fault(fault: &Fault, conn: &Conn) -> Option<Response> {
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.drop_connection {
        match &conn.0 {
            Some(kill) => {
                // The connection task selects on this and drops the connection (and this
                // future with it): the socket closes with no response bytes written.
                kill.notify_one();
                std::future::pending::<()>().await;
            }
            None => {
                return Some(json_response(
                    500,
                    &json!({"error": "server_error", "error_description":
                        "drop_connection needs pas-devserver's own accept loop"}),
                ));
            }
        }
    }
    if let Some(status) = fault.status {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (body, ctype) = match (&fault.body, &fault.error) {
            (Some(b), _) => {
                let ct = fault.content_type.clone().unwrap_or_else(|| {
                    if serde_json::from_str::<Value>(b).is_ok() {
                        "application/json".into()
                    } else {
                        "text/plain; charset=utf-8".into()
                    }
                });
                (b.clone(), ct)
            }
            (None, err) => {
                let e = err.clone().unwrap_or_else(|| {
                    if status >= 500 { "temporarily_unavailable".into() } else { "invalid_request".into() }
                });
                (
                    json!({"error": e, "error_description": "fault injected by pas-devserver"}).to_string(),
                    "application/json".into(),
                )
            }
        };
        let mut r = Response::new(Body::from(body));
        *r.status_mut() = code;
        if let Ok(v) = HeaderValue::from_str(&ctype) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        if let Some(s) = fault.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if status == 401 {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"pas-devserver\""));
        }
        return Some(r);
    }
    if fault.malformed_json {
        let mut r = Response::new(Body::from(r#"{"access_token": "#));
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return Some(r);
    }
    None
}

/// Counts a call and runs its fault, if any.
async fn enter(st: &AppState, ep: Endpoint, conn: &Conn) -> Result<Option<Fault>, Response> {
    st.count(ep.counter());
    let fault = st.take_fault(ep);
    if let Some(f) = &fault
        && let Some(r) = apply_fault(f, conn).await
    {
        return Err(r);
    }
    Ok(fault)
}

pub async fn discovery(State(st): State<Shared>, conn: Conn) -> Response {
    if let Err(r) = enter(&st, Endpoint::Discovery, &conn).await {
        return r;
    }
    let b = &st.base_url;
    Json(json!({
        "issuer": st.issuer,
        "authorization_endpoint": format!("{b}/oauth/authorize"),
        "token_endpoint": format!("{b}/oauth/token"),
        "userinfo_endpoint": format!("{b}/oauth/userinfo"),
        "jwks_uri": format!("{b}/.well-known/jwks.json"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "sid", "sv", "name",
            "preferred_username", "email", "email_verified", "ppnum"],
        "authorization_response_iss_parameter_supported": true,
    }))
    .into_response()
}

pub async fn jwks(State(st): State<Shared>, conn: Conn) -> Response {
    if let Err(r) = enter(&st, Endpoint::Jwks, &conn).await {
        return r;
    }
    let mut r = Json(st.jwks()).into_response();
    let cc = format!("public, max-age={}", st.config.jwks_max_age.as_secs());
    if let Ok(v) = HeaderValue::from_str(&cc) {
        r.headers_mut().insert(header::CACHE_CONTROL, v);
    }
    r
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn error_page(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><title>pas-devserver: error</title><h1>Authorization error</h1><p>{}</p>",
            esc(msg)
        )),
    )
        .into_response()
}

fn redirect_to(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let target = match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in pairs {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => return error_page("invalid redirect_uri"),
    };
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(&target) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn authz_error(st: &AppState, e: AuthzError) -> Response {
    match e {
        AuthzError::NoRedirect(m) => error_page(&m),
        AuthzError::Redirect { redirect_uri, state, error, description } => {
            let mut pairs = vec![("error", error), ("error_description", description.as_str())];
            if let Some(s) = state.as_deref() {
                pairs.push(("state", s));
            }
            pairs.push(("iss", st.issuer.as_str()));
            redirect_to(&redirect_uri, &pairs)
        }
    }
}

fn login_redirect(st: &AppState, req: &AuthzRequest, account: &str) -> Response {
    match st.issue_code(req, account) {
        Ok(code) => redirect_to(
            &req.redirect_uri,
            &[("code", code.as_str()), ("state", req.state.as_str()), ("iss", st.issuer.as_str())],
        ),
        Err(m) => authz_error(
            st,
            AuthzError::Redirect {
                redirect_uri: req.redirect_uri.clone(),
                state: Some(req.state.clone()),
                error: "access_denied",
                description: m,
            },
        ),
    }
}

const AUTHZ_FIELDS: [&str; 8] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
    "nonce",
];

pub async fn authorize_get(State(st): State<Shared>, conn: Conn, RawQuery(q): RawQuery) -> Response {
    if let Err(r) = enter(&st, Endpoint::Authorize, &conn).await {
        return r;
    }
    let params = match parse_params(q.unwrap_or_default().as_bytes()) {
        Ok(p) => p,
        Err(m) => return error_page(&m),
    };
    let req = match st.validate_authorize(&params) {
        Ok(r) => r,
        Err(e) => return authz_error(&st, e),
    };
    // Non-interactive shortcut: `login_hint=<account>` skips the page.
    if let Some(hint) = params.get("login_hint").filter(|h| !h.is_empty()) {
        return login_redirect(&st, &req, hint);
    }
    let hidden: String = AUTHZ_FIELDS
        .iter()
        .filter_map(|k| {
            params.get(*k).map(|v| format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(k), esc(v)))
        })
        .collect();
    let buttons: String = st
        .accounts()
        .iter()
        .map(|a| {
            format!(
                "<li><button type=\"submit\" name=\"account\" value=\"{id}\">{name}</button> \
                 <code>{id}</code> ppnum {pp}, sv {sv}</li>",
                id = esc(&a.id),
                name = esc(&a.name),
                pp = esc(&a.ppnum),
                sv = a.sv
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>pas-devserver login</title></head>\
<body><h1>pas-devserver: sign in</h1><p>Client <code>{client}</code> asks for <code>{scope}</code>.</p>\
<form method=\"post\" action=\"/oauth/authorize\">{hidden}<ul>{buttons}</ul>\
<p><label>Account (ppnum id, name or ppnum): <input name=\"account\" id=\"account\"></label> \
<button type=\"submit\">Sign in</button></p></form>\
<form method=\"post\" action=\"/oauth/authorize\">{hidden}<input type=\"hidden\" name=\"deny\" value=\"1\">\
<button type=\"submit\">Deny</button></form></body></html>",
        client = esc(&req.client_id),
        scope = esc(&req.scope),
    ))
    .into_response()
}

pub async fn authorize_post(State(st): State<Shared>, conn: Conn, body: Bytes) -> Response {
    if let Err(r) = enter(&st, Endpoint::Authorize, &conn).await {
        return r;
    }
    // The HTML page submits both a button value and an (empty) text field named
    // `account`, so collect pairs by hand and take the first non-empty account.
    let mut params: HashMap<String, String> = HashMap::new();
    let mut account: Option<String> = None;
    for (k, v) in url::form_urlencoded::parse(&body) {
        if k == "account" {
            if account.is_none() && !v.trim().is_empty() {
                account = Some(v.trim().to_owned());
            }
        } else if params.insert(k.to_string(), v.to_string()).is_some() {
            return error_page(&format!("parameter {k:?} is repeated"));
        }
    }
    let req = match st.validate_authorize(&params) {
        Ok(r) => r,
        Err(e) => return authz_error(&st, e),
    };
    if params.get("deny").is_some_and(|d| !d.is_empty()) {
        return authz_error(
            &st,
            AuthzError::Redirect {
                redirect_uri: req.redirect_uri.clone(),
                state: Some(req.state.clone()),
                error: "access_denied",
                description: "the user denied the request".into(),
            },
        );
    }
    match account {
        Some(a) => login_redirect(&st, &req, &a),
        None => authz_error(
            &st,
            AuthzError::Redirect {
                redirect_uri: req.redirect_uri.clone(),
                state: Some(req.state.clone()),
                error: "access_denied",
                description: "no account chosen".into(),
            },
        ),
    }
}

/// Client id from HTTP Basic (secret ignored: public clients) or the form body.
fn client_id_of(headers: &HeaderMap, p: &HashMap<String, String>) -> Result<String, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(u, _)| u.to_owned()));
    let form = p.get("client_id").filter(|c| !c.is_empty()).cloned();
    match (basic, form) {
        (Some(b), Some(f)) if b != f => Err(OAuthError::request("client_id mismatch")),
        (Some(c), _) | (None, Some(c)) => Ok(c),
        (None, None) => Err(OAuthError::new(401, "invalid_client", "client_id is missing")),
    }
}

pub async fn token(State(st): State<Shared>, conn: Conn, headers: HeaderMap, body: Bytes) -> Response {
    st.count("token");
    let parsed = parse_params(&body);
    let grant = parsed.as_ref().ok().and_then(|p| p.get("grant_type").cloned()).unwrap_or_default();
    st.count(match grant.as_str() {
        "authorization_code" => "token_code",
        "refresh_token" => "token_refresh",
        _ => "token_other",
    });
    let fault = st.take_fault(Endpoint::Token);
    if let Some(f) = &fault
        && let Some(r) = apply_fault(f, &conn).await
    {
        return r;
    }
    let sv = SvClaim::from_fault(fault.as_ref());
    let p = match parsed {
        Ok(p) => p,
        Err(m) => return oauth_error(&OAuthError::request(m)),
    };
    let client_id = match client_id_of(&headers, &p) {
        Ok(c) => c,
        Err(e) => return oauth_error(&e),
    };
    if !st.config.clients.allows(&client_id) {
        return oauth_error(&OAuthError::new(401, "invalid_client", "unknown client"));
    }
    let need = |k: &str| {
        p.get(k).filter(|v| !v.is_empty()).cloned().ok_or_else(|| OAuthError::request(format!("{k} is missing")))
    };
    let result = match grant.as_str() {
        "authorization_code" => (|| {
            let code = need("code")?;
            let redirect_uri = need("redirect_uri")?;
            let verifier = need("code_verifier")?;
            st.exchange_code(&client_id, &code, &redirect_uri, &verifier, &sv)
        })(),
        "refresh_token" => {
            need("refresh_token").and_then(|rt| st.refresh(&client_id, &rt, p.get("scope").map(String::as_str), &sv))
        }
        "" => Err(OAuthError::request("grant_type is missing")),
        _ => Err(OAuthError::new(400, "unsupported_grant_type", "supported: authorization_code, refresh_token")),
    };
    match result {
        Ok(v) => json_response(200, &v),
        Err(e) => oauth_error(&e),
    }
}

pub async fn userinfo(State(st): State<Shared>, conn: Conn, headers: HeaderMap) -> Response {
    if let Err(r) = enter(&st, Endpoint::Userinfo, &conn).await {
        return r;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim);
    let unauthorized = |www: &'static str, body: Value| {
        let mut r = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(www));
        r
    };
    let Some(token) = bearer.filter(|t| !t.is_empty()) else {
        return unauthorized(
            "Bearer realm=\"pas-devserver\"",
            json!({"error": "invalid_request", "error_description": "bearer token missing"}),
        );
    };
    match st.userinfo(token) {
        Ok(v) => Json(v).into_response(),
        Err(why) => unauthorized(
            "Bearer realm=\"pas-devserver\", error=\"invalid_token\"",
            json!({"error": "invalid_token", "error_description": why}),
        ),
    }
}
