//! In-memory authorization-server state: accounts, codes, refresh-token families, keys,
//! faults and counters. All protocol decisions live here; `routes` only does HTTP.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::config::Config;
use crate::crypto::{IdSource, SigningKey, account_id_for, now_secs, s256_challenge};

/// A test account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// ppnum id (ULID-shaped, 26 Crockford base32 chars); the `sub`.
    pub id: String,
    pub name: String,
    /// "Ppoppo number": 11 ASCII digits.
    pub ppnum: String,
    pub email: String,
    /// Current session version.
    pub sv: i64,
}

/// The accounts every server starts with.
pub const SEEDED_ACCOUNTS: [&str; 3] = ["alice", "bob", "carol"];

#[derive(Debug, Clone)]
struct CodeRecord {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    account_id: String,
    scope: String,
    nonce: Option<String>,
    expires_at: u64,
    used: bool,
    families: Vec<String>,
}

#[derive(Debug, Clone)]
struct Family {
    account_id: String,
    client_id: String,
    scope: String,
    revoked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RtState {
    Active,
    Rotated,
}

#[derive(Debug, Clone)]
struct RefreshRecord {
    sid: String,
    state: RtState,
}

/// Endpoints whose calls can be faulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Endpoint {
    Token,
    Jwks,
    Userinfo,
    Discovery,
    Authorize,
}

impl Endpoint {
    pub fn counter(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::Jwks => "jwks",
            Endpoint::Userinfo => "userinfo",
            Endpoint::Discovery => "discovery",
            Endpoint::Authorize => "authorize",
        }
    }
}

fn some_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// What to do to one call of an endpoint. Fields combine: `delay_ms` is applied first,
/// then `drop_connection`, then `status`, then `malformed_json`; the `sv` fields alter an
/// otherwise normal token response.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Body returned with `status` (verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// With `status` and no `body`: the OAuth `error` code of a JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Content type of `body` (default: JSON if it parses as JSON, else text/plain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `Retry-After` header (seconds) with `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub malformed_json: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drop_connection: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub access_token_without_sv: bool,
    #[serde(default, deserialize_with = "some_value", skip_serializing_if = "Option::is_none")]
    pub sv_value: Option<Value>,
}

impl Fault {
    pub fn touches_sv(&self) -> bool {
        self.access_token_without_sv || self.sv_value.is_some()
    }
}

/// How the `sv` claim of an issued access token is produced.
#[derive(Debug, Clone, Default)]
pub enum SvClaim {
    #[default]
    Current,
    Omit,
    Value(Value),
}

impl SvClaim {
    pub fn from_fault(f: Option<&Fault>) -> Self {
        match f {
            Some(f) if f.access_token_without_sv => SvClaim::Omit,
            Some(Fault { sv_value: Some(v), .. }) => SvClaim::Value(v.clone()),
            _ => SvClaim::Current,
        }
    }
}

/// An RFC 6749 error: HTTP status, `error`, `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        Self { status, error, description: description.into() }
    }
    pub fn grant(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_grant", d)
    }
    pub fn request(d: impl Into<String>) -> Self {
        Self::new(400, "invalid_request", d)
    }
    pub fn body(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// A parsed, validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthzRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub state: String,
    pub code_challenge: String,
    pub scope: String,
    pub nonce: Option<String>,
}

/// Why an authorization request failed (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone)]
pub enum AuthzError {
    /// Bad client or redirect URI: tell the user, never redirect.
    NoRedirect(String),
    /// Redirect back with `error`.
    Redirect { redirect_uri: String, state: Option<String>, error: &'static str, description: String },
}

pub const DEFAULT_SCOPE: &str = "openid profile";

fn is_b64url_43(s: &str) -> bool {
    s.len() == 43 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_verifier(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

struct Inner {
    ids: IdSource,
    accounts: Vec<Account>,
    codes: HashMap<String, CodeRecord>,
    families: HashMap<String, Family>,
    refresh: HashMap<String, RefreshRecord>,
    keys: Vec<SigningKey>,
    faults: BTreeMap<Endpoint, VecDeque<(Fault, u32)>>,
    counters: BTreeMap<String, u64>,
    rotation: bool,
}

/// Shared server state.
pub struct AppState {
    pub config: Config,
    pub base_url: String,
    pub issuer: String,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("base_url", &self.base_url).field("issuer", &self.issuer).finish()
    }
}

const COUNTER_NAMES: [&str; 8] =
    ["discovery", "jwks", "authorize", "token", "token_code", "token_refresh", "token_other", "userinfo"];

fn zero_counters() -> BTreeMap<String, u64> {
    COUNTER_NAMES.iter().map(|n| ((*n).to_owned(), 0)).collect()
}

fn make_account(name: &str, n: usize) -> Account {
    Account {
        id: account_id_for(name),
        name: name.to_owned(),
        ppnum: format!("777{:08}", n + 1),
        email: format!("{name}@devserver.invalid"),
        sv: 1,
    }
}

impl AppState {
    pub fn new(config: Config, base_url: String) -> Result<Self, String> {
        let issuer = config.issuer.clone().unwrap_or_else(|| base_url.clone());
        let mut ids = IdSource::new(config.seed);
        let key = SigningKey::from_seed(&ids.bytes::<32>("signing-key"))?;
        let accounts = SEEDED_ACCOUNTS.iter().enumerate().map(|(i, n)| make_account(n, i)).collect();
        let rotation = config.rotate_refresh_tokens;
        Ok(Self {
            config,
            base_url,
            issuer,
            inner: Mutex::new(Inner {
                ids,
                accounts,
                codes: HashMap::new(),
                families: HashMap::new(),
                refresh: HashMap::new(),
                keys: vec![key],
                faults: BTreeMap::new(),
                counters: zero_counters(),
                rotation,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ----- counters and faults -------------------------------------------------------

    pub fn count(&self, name: &str) {
        *self.lock().counters.entry(name.to_owned()).or_insert(0) += 1;
    }

    pub fn counters(&self) -> BTreeMap<String, u64> {
        self.lock().counters.clone()
    }

    pub fn reset_counters(&self) {
        self.lock().counters = zero_counters();
    }

    pub fn add_fault(&self, ep: Endpoint, fault: Fault, count: u32) {
        if count > 0 {
            self.lock().faults.entry(ep).or_default().push_back((fault, count));
        }
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    pub fn faults(&self) -> Value {
        let g = self.lock();
        let mut out = serde_json::Map::new();
        for (ep, q) in &g.faults {
            let list: Vec<Value> = q.iter().map(|(f, n)| json!({"fault": f, "remaining": n})).collect();
            out.insert(ep.counter().to_owned(), Value::Array(list));
        }
        Value::Object(out)
    }

    /// Takes the fault scheduled for the next call of `ep`, if any.
    pub fn take_fault(&self, ep: Endpoint) -> Option<Fault> {
        let mut g = self.lock();
        let q = g.faults.get_mut(&ep)?;
        let (fault, remaining) = q.front_mut()?;
        let f = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            q.pop_front();
        }
        Some(f)
    }

    pub fn set_rotation(&self, on: bool) {
        self.lock().rotation = on;
    }

    pub fn rotation(&self) -> bool {
        self.lock().rotation
    }

    // ----- accounts ------------------------------------------------------------------

    pub fn accounts(&self) -> Vec<Account> {
        self.lock().accounts.clone()
    }

    /// Finds an account by ppnum id, name (case-insensitive) or ppnum.
    pub fn find_account(&self, key: &str) -> Option<Account> {
        let g = self.lock();
        find(&g.accounts, key).cloned()
    }

    pub fn create_account(&self, name: &str) -> Result<Account, String> {
        let mut g = self.lock();
        if name.is_empty() || name.len() > 64 {
            return Err("name must be 1..=64 characters".into());
        }
        if find(&g.accounts, name).is_some() {
            return Err(format!("account {name:?} exists"));
        }
        let n = g.accounts.len();
        let a = make_account(name, n);
        g.accounts.push(a.clone());
        Ok(a)
    }

    pub fn bump_sv(&self, key: &str) -> Option<i64> {
        let mut g = self.lock();
        let id = find(&g.accounts, key)?.id.clone();
        let a = g.accounts.iter_mut().find(|a| a.id == id)?;
        a.sv += 1;
        Some(a.sv)
    }

    pub fn set_sv(&self, key: &str, sv: i64) -> Option<i64> {
        let mut g = self.lock();
        let id = find(&g.accounts, key)?.id.clone();
        let a = g.accounts.iter_mut().find(|a| a.id == id)?;
        a.sv = sv;
        Some(a.sv)
    }

    /// Revokes every refresh-token family of an account; returns how many were live.
    pub fn revoke_account(&self, key: &str) -> Option<usize> {
        let mut g = self.lock();
        let id = find(&g.accounts, key)?.id.clone();
        let mut n = 0;
        for f in g.families.values_mut() {
            if f.account_id == id && !f.revoked {
                f.revoked = true;
                n += 1;
            }
        }
        Some(n)
    }

    /// Revokes the family of one refresh token; false if the token is unknown.
    pub fn revoke_refresh_token(&self, token: &str) -> bool {
        let mut g = self.lock();
        let Some(sid) = g.refresh.get(token).map(|r| r.sid.clone()) else {
            return false;
        };
        if let Some(f) = g.families.get_mut(&sid) {
            f.revoked = true;
        }
        true
    }

    // ----- keys ----------------------------------------------------------------------

    pub fn jwks(&self) -> Value {
        let g = self.lock();
        // Current key first.
        let keys: Vec<Value> = g.keys.iter().rev().map(SigningKey::jwk).collect();
        json!({"keys": keys})
    }

    pub fn current_kid(&self) -> String {
        self.lock().keys.last().map(|k| k.kid.clone()).unwrap_or_default()
    }

    /// New current key; `retire_old` drops every older key from the JWKS.
    pub fn rotate_keys(&self, retire_old: bool) -> Result<Value, String> {
        let mut g = self.lock();
        let seed = g.ids.bytes::<32>("signing-key");
        let key = SigningKey::from_seed(&seed)?;
        let previous: Vec<String> = g.keys.iter().map(|k| k.kid.clone()).collect();
        if retire_old {
            g.keys.clear();
        }
        let kid = key.kid.clone();
        g.keys.push(key);
        let published: Vec<String> = g.keys.iter().map(|k| k.kid.clone()).collect();
        Ok(json!({"kid": kid, "previous": previous, "published": published}))
    }

    // ----- authorization endpoint ---------------------------------------------------

    pub fn validate_authorize(&self, p: &HashMap<String, String>) -> Result<AuthzRequest, AuthzError> {
        let get = |k: &str| p.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let client_id = get("client_id").ok_or_else(|| AuthzError::NoRedirect("client_id is missing".into()))?;
        if !self.config.clients.allows(client_id) {
            return Err(AuthzError::NoRedirect(format!("unknown client_id {client_id:?}")));
        }
        let redirect_uri =
            get("redirect_uri").ok_or_else(|| AuthzError::NoRedirect("redirect_uri is missing".into()))?;
        if !self.config.redirects.allows(redirect_uri) {
            return Err(AuthzError::NoRedirect(format!("redirect_uri {redirect_uri:?} is not registered")));
        }
        let state = get("state").map(str::to_owned);
        let fail = |error: &'static str, d: &str| AuthzError::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            state: state.clone(),
            error,
            description: d.to_owned(),
        };
        match get("response_type") {
            None => return Err(fail("invalid_request", "response_type is missing")),
            Some("code") => {}
            Some(_) => {
                return Err(fail("unsupported_response_type", "only response_type=code is supported"));
            }
        }
        let Some(state_v) = state.clone() else {
            return Err(fail("invalid_request", "state is required"));
        };
        match get("code_challenge_method") {
            Some("S256") => {}
            None => {
                return Err(fail("invalid_request", "code_challenge_method=S256 is required (PKCE)"));
            }
            Some(_) => {
                return Err(fail("invalid_request", "not supported value of code_challenge_method (only S256)"));
            }
        }
        let challenge = match get("code_challenge") {
            Some(c) if is_b64url_43(c) => c.to_owned(),
            Some(_) => return Err(fail("invalid_request", "code_challenge is malformed")),
            None => return Err(fail("invalid_request", "code_challenge is required (PKCE)")),
        };
        let scope = get("scope")
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_SCOPE.to_owned());
        Ok(AuthzRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            state: state_v,
            code_challenge: challenge,
            scope,
            nonce: get("nonce").map(str::to_owned),
        })
    }

    /// Issues a single-use authorization code for `account_key`.
    pub fn issue_code(&self, req: &AuthzRequest, account_key: &str) -> Result<String, String> {
        let mut g = self.lock();
        let account_id =
            find(&g.accounts, account_key).ok_or_else(|| format!("unknown account {account_key:?}"))?.id.clone();
        let code = g.ids.token("code");
        let rec = CodeRecord {
            client_id: req.client_id.clone(),
            redirect_uri: req.redirect_uri.clone(),
            challenge: req.code_challenge.clone(),
            account_id,
            scope: req.scope.clone(),
            nonce: req.nonce.clone(),
            expires_at: now_secs() + self.config.code_ttl.as_secs(),
            used: false,
            families: Vec::new(),
        };
        g.codes.insert(code.clone(), rec);
        Ok(code)
    }

    // ----- token endpoint -------------------------------------------------------------

    pub fn exchange_code(
        &self,
        client_id: &str,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
        sv: &SvClaim,
    ) -> Result<Value, OAuthError> {
        let mut g = self.lock();
        let now = now_secs();
        let Some(rec) = g.codes.get_mut(code) else {
            return Err(OAuthError::grant("unknown authorization code"));
        };
        if rec.used {
            // Replay: revoke everything issued from this code (RFC 6749 §4.1.2).
            let fams = rec.families.clone();
            for sid in fams {
                if let Some(f) = g.families.get_mut(&sid) {
                    f.revoked = true;
                }
            }
            return Err(OAuthError::grant("authorization code already used; tokens issued from it are revoked"));
        }
        if rec.client_id != client_id {
            return Err(OAuthError::grant("code was issued to another client"));
        }
        // Any attempt by the right client consumes the code.
        rec.used = true;
        if rec.expires_at < now {
            return Err(OAuthError::grant("authorization code expired"));
        }
        if rec.redirect_uri != redirect_uri {
            return Err(OAuthError::grant("redirect_uri does not match"));
        }
        if !is_verifier(verifier) || s256_challenge(verifier) != rec.challenge {
            return Err(OAuthError::grant("PKCE verification failed"));
        }
        let rec = rec.clone();
        let sid = g.ids.ulid("sid");
        if let Some(r) = g.codes.get_mut(code) {
            r.families.push(sid.clone());
        }
        g.families.insert(
            sid.clone(),
            Family {
                account_id: rec.account_id.clone(),
                client_id: rec.client_id.clone(),
                scope: rec.scope.clone(),
                revoked: false,
            },
        );
        let rt = g.ids.token("refresh");
        g.refresh.insert(rt.clone(), RefreshRecord { sid: sid.clone(), state: RtState::Active });
        self.token_response(&mut g, &rec.account_id, client_id, &rec.scope, &sid, &rt, rec.nonce.as_deref(), sv)
    }

    pub fn refresh(
        &self,
        client_id: &str,
        token: &str,
        scope: Option<&str>,
        sv: &SvClaim,
    ) -> Result<Value, OAuthError> {
        let mut g = self.lock();
        let Some(rec) = g.refresh.get(token).cloned() else {
            return Err(OAuthError::grant("unknown refresh token"));
        };
        let Some(fam) = g.families.get(&rec.sid).cloned() else {
            return Err(OAuthError::grant("unknown refresh token"));
        };
        if fam.revoked {
            return Err(OAuthError::grant("refresh token revoked"));
        }
        if fam.client_id != client_id {
            return Err(OAuthError::grant("refresh token was issued to another client"));
        }
        if rec.state == RtState::Rotated {
            if let Some(f) = g.families.get_mut(&rec.sid) {
                f.revoked = true;
            }
            return Err(OAuthError::grant("refresh token reuse detected; the token family is revoked"));
        }
        let scope = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            None => fam.scope.clone(),
            Some(s) => {
                let granted: Vec<&str> = fam.scope.split(' ').collect();
                if s.split_whitespace().all(|x| granted.contains(&x)) {
                    s.split_whitespace().collect::<Vec<_>>().join(" ")
                } else {
                    return Err(OAuthError::new(400, "invalid_scope", "scope exceeds the original grant"));
                }
            }
        };
        let rt = if g.rotation {
            if let Some(r) = g.refresh.get_mut(token) {
                r.state = RtState::Rotated;
            }
            let new = g.ids.token("refresh");
            g.refresh.insert(new.clone(), RefreshRecord { sid: rec.sid.clone(), state: RtState::Active });
            new
        } else {
            token.to_owned()
        };
        self.token_response(&mut g, &fam.account_id, client_id, &scope, &rec.sid, &rt, None, sv)
    }

    /// Logs `account` in for `client_id` without a code (control API): a fresh family.
    pub fn mint_tokens(&self, account_key: &str, client_id: &str, scope: &str) -> Result<Value, OAuthError> {
        let mut g = self.lock();
        let account_id = find(&g.accounts, account_key)
            .ok_or_else(|| OAuthError::request(format!("unknown account {account_key:?}")))?
            .id
            .clone();
        let sid = g.ids.ulid("sid");
        g.families.insert(
            sid.clone(),
            Family {
                account_id: account_id.clone(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                revoked: false,
            },
        );
        let rt = g.ids.token("refresh");
        g.refresh.insert(rt.clone(), RefreshRecord { sid: sid.clone(), state: RtState::Active });
        self.token_response(&mut g, &account_id, client_id, scope, &sid, &rt, None, &SvClaim::Current)
    }

    #[allow(clippy::too_many_arguments)]
    fn token_response(
        &self,
        g: &mut Inner,
        account_id: &str,
        client_id: &str,
        scope: &str,
        sid: &str,
        refresh_token: &str,
        nonce: Option<&str>,
        sv: &SvClaim,
    ) -> Result<Value, OAuthError> {
        let account = g
            .accounts
            .iter()
            .find(|a| a.id == account_id)
            .cloned()
            .ok_or_else(|| OAuthError::grant("account no longer exists"))?;
        let now = now_secs();
        let ttl = self.config.access_token_ttl.as_secs();
        let jti = g.ids.ulid("jti");
        let mut claims = json!({
            "iss": self.issuer,
            "aud": client_id,
            "sub": account.id,
            "exp": now + ttl,
            "iat": now,
            "jti": jti,
            "client_id": client_id,
            "sid": sid,
            "scope": scope,
            "cat": "access",
        });
        if let Some(obj) = claims.as_object_mut() {
            match sv {
                SvClaim::Current => {
                    obj.insert("sv".into(), json!(account.sv));
                }
                SvClaim::Omit => {}
                SvClaim::Value(v) => {
                    obj.insert("sv".into(), v.clone());
                }
            }
        }
        let key = g.keys.last().ok_or_else(|| OAuthError::new(500, "server_error", "no signing key"))?;
        let access_token = key.sign_jwt("at+jwt", &claims);
        let mut resp = json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ttl,
            "refresh_token": refresh_token,
            "scope": scope,
        });
        if scope.split(' ').any(|s| s == "openid") {
            let mut id = json!({
                "iss": self.issuer,
                "aud": client_id,
                "sub": account.id,
                "exp": now + ttl,
                "iat": now,
                "auth_time": now,
                "sid": sid,
                "sv": account.sv,
            });
            if let (Some(n), Some(obj)) = (nonce, id.as_object_mut()) {
                obj.insert("nonce".into(), json!(n));
            }
            if let Some(obj) = resp.as_object_mut() {
                obj.insert("id_token".into(), json!(key.sign_jwt("JWT", &id)));
            }
        }
        Ok(resp)
    }

    // ----- userinfo -------------------------------------------------------------------

    /// Verifies an access token (signature, typ, iss, exp, live family) and returns userinfo.
    pub fn userinfo(&self, bearer: &str) -> Result<Value, &'static str> {
        let g = self.lock();
        let (header, claims) = crate::crypto::verify_jwt(bearer, &g.keys).ok_or("signature or format invalid")?;
        if header.get("typ").and_then(Value::as_str) != Some("at+jwt") {
            return Err("not an access token");
        }
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err("wrong issuer");
        }
        let exp = claims.get("exp").and_then(Value::as_u64).ok_or("no exp")?;
        if exp < now_secs() {
            return Err("token expired");
        }
        if let Some(sid) = claims.get("sid").and_then(Value::as_str)
            && g.families.get(sid).is_none_or(|f| f.revoked)
        {
            return Err("session revoked");
        }
        let sub = claims.get("sub").and_then(Value::as_str).ok_or("no sub")?;
        let a = g.accounts.iter().find(|a| a.id == sub).ok_or("unknown subject")?;
        Ok(json!({
            "sub": a.id,
            "sv": a.sv,
            "ppnum": a.ppnum,
            "name": a.name,
            "preferred_username": a.name,
            "email": a.email,
            "email_verified": true,
        }))
    }

    /// Clears faults, counters and the rotation override (back to the flag's value).
    pub fn reset(&self) {
        let mut g = self.lock();
        g.faults.clear();
        g.counters = zero_counters();
        g.rotation = self.config.rotate_refresh_tokens;
    }
}

fn find<'a>(accounts: &'a [Account], key: &str) -> Option<&'a Account> {
    accounts.iter().find(|a| a.id.eq_ignore_ascii_case(key) || a.name.eq_ignore_ascii_case(key) || a.ppnum == key)
}
