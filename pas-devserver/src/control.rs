//! The control API under `/__control` (JSON in, JSON out).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::routes::Shared;
use crate::state::{DEFAULT_SCOPE, Endpoint, Fault};

fn err(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

/// Parses an optional JSON body (empty body = `T::default()`).
#[allow(clippy::result_large_err)] // axum's Response is the natural error here
fn body<T: DeserializeOwned + Default>(b: &Bytes) -> Result<T, Response> {
    if b.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(b).map_err(|e| err(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")))
}

fn no_account(id: &str) -> Response {
    err(StatusCode::NOT_FOUND, format!("unknown account {id:?}"))
}

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/", get(index))
        .route("/accounts", get(accounts).post(create_account))
        .route("/accounts/{id}/bump-sv", post(bump_sv))
        .route("/accounts/{id}/sv", post(set_sv))
        .route("/accounts/{id}/revoke", post(revoke_account))
        .route("/refresh-tokens/revoke", post(revoke_rt))
        .route("/keys", get(keys))
        .route("/keys/rotate", post(rotate_keys))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/counters", get(counters))
        .route("/counters/reset", post(reset_counters))
        .route("/reset", post(reset))
        .route("/rotation", get(rotation).post(set_rotation))
        .route("/login", post(login))
        .route("/tokens", post(tokens))
}

async fn index(State(st): State<Shared>) -> Response {
    Json(json!({
        "base_url": st.base_url,
        "issuer": st.issuer,
        "rotation": st.rotation(),
        "current_kid": st.current_kid(),
        "accounts": st.accounts(),
        "endpoints": [
            "GET /__control/accounts", "POST /__control/accounts",
            "POST /__control/accounts/{id}/bump-sv", "POST /__control/accounts/{id}/sv",
            "POST /__control/accounts/{id}/revoke", "POST /__control/refresh-tokens/revoke",
            "GET /__control/keys", "POST /__control/keys/rotate",
            "GET|POST|DELETE /__control/faults", "GET /__control/counters",
            "POST /__control/counters/reset", "POST /__control/reset",
            "GET|POST /__control/rotation", "POST /__control/login", "POST /__control/tokens"
        ],
    }))
    .into_response()
}

async fn accounts(State(st): State<Shared>) -> Response {
    Json(json!({"accounts": st.accounts()})).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    name: String,
}

async fn create_account(State(st): State<Shared>, b: Bytes) -> Response {
    let req: NewAccount = match body(&b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match st.create_account(&req.name) {
        Ok(a) => (StatusCode::CREATED, Json(json!(a))).into_response(),
        Err(m) => err(StatusCode::CONFLICT, m),
    }
}

async fn bump_sv(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match (st.bump_sv(&id), st.find_account(&id)) {
        (Some(sv), Some(a)) => Json(json!({"account": a.id, "sv": sv})).into_response(),
        _ => no_account(&id),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetSv {
    sv: i64,
}

async fn set_sv(State(st): State<Shared>, Path(id): Path<String>, b: Bytes) -> Response {
    let req: SetSv = match body(&b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match (st.set_sv(&id, req.sv), st.find_account(&id)) {
        (Some(sv), Some(a)) => Json(json!({"account": a.id, "sv": sv})).into_response(),
        _ => no_account(&id),
    }
}

async fn revoke_account(State(st): State<Shared>, Path(id): Path<String>) -> Response {
    match (st.revoke_account(&id), st.find_account(&id)) {
        (Some(n), Some(a)) => Json(json!({"account": a.id, "revoked_families": n})).into_response(),
        _ => no_account(&id),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeRt {
    refresh_token: String,
}

async fn revoke_rt(State(st): State<Shared>, b: Bytes) -> Response {
    let req: RevokeRt = match body(&b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    if st.revoke_refresh_token(&req.refresh_token) {
        Json(json!({"revoked": true})).into_response()
    } else {
        err(StatusCode::NOT_FOUND, "unknown refresh token")
    }
}

async fn keys(State(st): State<Shared>) -> Response {
    Json(json!({"current_kid": st.current_kid(), "jwks": st.jwks()})).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotate {
    #[serde(default)]
    retire_old: bool,
}

async fn rotate_keys(State(st): State<Shared>, b: Bytes) -> Response {
    let req: Rotate = match body(&b) {
        Ok(r) => r,
        Err(r) => return r,
    };
    match st.rotate_keys(req.retire_old) {
        Ok(v) => Json(v).into_response(),
        Err(m) => err(StatusCode::INTERNAL_SERVER_ERROR, m),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AddFault {
    endpoint: Endpoint,
    #[serde(default = "one")]
    count: u32,
    fault: Fault,
}

fn one() -> u32 {
    1
}

async fn add_fault(State(st): State<Shared>, b: Bytes) -> Response {
    let req: AddFault = match serde_json::from_slice(&b) {
        Ok(r) => r,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("bad fault: {e}")),
    };
    if req.fault.touches_sv() && req.endpoint != Endpoint::Token {
        return err(StatusCode::BAD_REQUEST, "access_token_without_sv / sv_value only apply to the token endpoint");
    }
    if let Some(s) = req.fault.status
        && !(100..=999).contains(&s)
    {
        return err(StatusCode::BAD_REQUEST, "status must be 100..=999");
    }
    st.add_fault(req.endpoint, req.fault, req.count);
    Json(json!({"ok": true, "faults": st.faults()})).into_response()
}

async fn faults(State(st): State<Shared>) -> Response {
    Json(st.faults()).into_response()
}

async fn clear_faults(State(st): State<Shared>) -> Response {
    st.clear_faults();
    Json(json!({"ok": true})).into_response()
}

async fn counters(State(st): State<Shared>) -> Response {
    Json(st.counters()).into_response()
}

async fn reset_counters(State(st): State<Shared>) -> Response {
    st.reset_counters();
    Json(json!({"ok": true})).into_response()
}

async fn reset(State(st): State<Shared>) -> Response {
    st.reset();
    Json(json!({"ok": true})).into_response()
}

async fn rotation(State(st): State<Shared>) -> Response {
    Json(json!({"enabled": st.rotation()})).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRotation {
    enabled: bool,
}

async fn set_rotation(State(st): State<Shared>, b: Bytes) -> Response {
    let req: SetRotation = match serde_json::from_slice(&b) {
        Ok(r) => r,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")),
    };
    st.set_rotation(req.enabled);
    Json(json!({"enabled": req.enabled})).into_response()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    account: String,
    client_id: Option<String>,
    redirect_uri: String,
    code_challenge: String,
    state: String,
    scope: Option<String>,
    nonce: Option<String>,
}

/// Same validation and code as `POST /oauth/authorize`, minus HTML and redirects.
async fn login(State(st): State<Shared>, b: Bytes) -> Response {
    let req: Login = match serde_json::from_slice(&b) {
        Ok(r) => r,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")),
    };
    let client_id = req.client_id.unwrap_or_else(|| default_client(&st));
    let mut p: HashMap<String, String> = HashMap::new();
    p.insert("response_type".into(), "code".into());
    p.insert("client_id".into(), client_id);
    p.insert("redirect_uri".into(), req.redirect_uri);
    p.insert("code_challenge".into(), req.code_challenge);
    p.insert("code_challenge_method".into(), "S256".into());
    p.insert("state".into(), req.state);
    if let Some(s) = req.scope {
        p.insert("scope".into(), s);
    }
    if let Some(n) = req.nonce {
        p.insert("nonce".into(), n);
    }
    let authz = match st.validate_authorize(&p) {
        Ok(a) => a,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("{e:?}")),
    };
    match st.issue_code(&authz, &req.account) {
        Ok(code) => {
            let mut u = match url::Url::parse(&authz.redirect_uri) {
                Ok(u) => u,
                Err(e) => return err(StatusCode::BAD_REQUEST, e.to_string()),
            };
            u.query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &authz.state)
                .append_pair("iss", &st.issuer);
            Json(json!({"code": code, "redirect_to": u.to_string()})).into_response()
        }
        Err(m) => err(StatusCode::NOT_FOUND, m),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Tokens {
    account: String,
    client_id: Option<String>,
    scope: Option<String>,
}

/// Mints a fresh token family for an account, as if it had just logged in.
async fn tokens(State(st): State<Shared>, b: Bytes) -> Response {
    let req: Tokens = match serde_json::from_slice(&b) {
        Ok(r) => r,
        Err(e) => return err(StatusCode::BAD_REQUEST, format!("bad JSON: {e}")),
    };
    let client_id = req.client_id.unwrap_or_else(|| default_client(&st));
    if !st.config.clients.allows(&client_id) {
        return err(StatusCode::BAD_REQUEST, format!("unknown client_id {client_id:?}"));
    }
    let scope = req.scope.unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
    match st.mint_tokens(&req.account, &client_id, &scope) {
        Ok(v) => Json(v).into_response(),
        Err(e) => err(StatusCode::NOT_FOUND, e.description),
    }
}

fn default_client(st: &Shared) -> String {
    match &st.config.clients {
        crate::config::ClientPolicy::List(l) => l.first().cloned().unwrap_or_default(),
        crate::config::ClientPolicy::Any => "pas-demo".to_owned(),
    }
}
