//! End-to-end tests of pas-devserver over real HTTP (in-process server on port 0).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers: a panic is a failed test

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pas_devserver::{Config, DevServer, s256_challenge};
use reqwest::StatusCode;
use serde_json::{Value, json};

const REDIRECT: &str = "http://127.0.0.1:8765/cb";

struct H {
    srv: DevServer,
    http: reqwest::Client,
}

async fn start_with(cfg: Config) -> H {
    let srv = DevServer::start(cfg).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    H { srv, http }
}

async fn start() -> H {
    start_with(Config::default()).await
}

fn verifier() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("test-verifier-{n:04}-{}", "x".repeat(40))
}

fn b64json(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// (header, claims) of a compact JWS, without verification.
fn decode(jwt: &str) -> (Value, Value) {
    let p: Vec<&str> = jwt.split('.').collect();
    assert_eq!(p.len(), 3, "compact JWS");
    (b64json(p[0]), b64json(p[1]))
}

impl H {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.srv.base_url())
    }

    async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    async fn control(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.http.post(self.url(&format!("/__control{path}"))).json(&body).send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    async fn fault(&self, endpoint: &str, count: u32, fault: Value) {
        let (s, _) = self.control("/faults", json!({"endpoint": endpoint, "count": count, "fault": fault})).await;
        assert_eq!(s, StatusCode::OK);
    }

    /// POST /oauth/authorize like a script would; returns the Location URL.
    async fn authorize(&self, extra: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(self.url("/oauth/authorize")).form(extra).send().await.unwrap()
    }

    /// Full no-browser login: returns the code.
    async fn login(&self, account: &str, verifier: &str) -> String {
        let ch = s256_challenge(verifier);
        let r = self
            .authorize(&[
                ("account", account),
                ("response_type", "code"),
                ("client_id", "pas-demo"),
                ("redirect_uri", REDIRECT),
                ("state", "st-1"),
                ("code_challenge", &ch),
                ("code_challenge_method", "S256"),
                ("scope", "openid profile"),
                ("nonce", "n-1"),
            ])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        assert!(loc.as_str().starts_with(REDIRECT));
        let q: std::collections::HashMap<String, String> = loc.query_pairs().into_owned().collect();
        assert_eq!(q["state"], "st-1");
        assert_eq!(q["iss"], self.srv.issuer());
        q["code"].clone()
    }

    async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self.http.post(self.url("/oauth/token")).form(form).send().await.unwrap();
        let s = r.status();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", "pas-demo"),
            ("code_verifier", verifier),
        ])
        .await
    }

    async fn refresh(&self, rt: &str) -> (StatusCode, Value) {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", "pas-demo")]).await
    }

    /// Logs alice in and returns the token response.
    async fn tokens(&self, account: &str) -> Value {
        let v = verifier();
        let code = self.login(account, &v).await;
        let (s, body) = self.exchange(&code, &v).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        body
    }

    async fn account_id(&self, name: &str) -> String {
        let (_, v) = self.get_json("/__control/accounts").await;
        v["accounts"].as_array().unwrap().iter().find(|a| a["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    }

    async fn counters(&self) -> Value {
        self.get_json("/__control/counters").await.1
    }
}

/// Verifies the EdDSA signature of `jwt` against the server's JWKS with aws-lc-rs directly.
async fn verify_with_jwks(h: &H, jwt: &str) -> bool {
    let (_, jwks) = h.get_json("/.well-known/jwks.json").await;
    let (header, _) = decode(jwt);
    let kid = header["kid"].as_str().unwrap();
    let Some(jwk) = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid) else {
        return false;
    };
    let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
    let (input, sig) = jwt.rsplit_once('.').unwrap();
    let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    UnparsedPublicKey::new(&ED25519, &x).verify(input.as_bytes(), &sig).is_ok()
}

#[tokio::test]
async fn discovery_and_jwks_shape() {
    let h = start().await;
    let (s, d) = h.get_json("/.well-known/openid-configuration").await;
    assert_eq!(s, StatusCode::OK);
    let b = h.srv.base_url();
    assert_eq!(d["issuer"], b);
    assert_eq!(d["authorization_endpoint"], format!("{b}/oauth/authorize"));
    assert_eq!(d["token_endpoint"], format!("{b}/oauth/token"));
    assert_eq!(d["userinfo_endpoint"], format!("{b}/oauth/userinfo"));
    assert_eq!(d["jwks_uri"], format!("{b}/.well-known/jwks.json"));
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(d["response_types_supported"], json!(["code"]));

    let r = h.http.get(h.url("/.well-known/jwks.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cc = r.headers()["cache-control"].to_str().unwrap().to_owned();
    assert!(cc.contains("public") && cc.contains("max-age=300"), "{cc}");
    let jwks: Value = r.json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let k = &keys[0];
    assert_eq!(k["kty"], "OKP");
    assert_eq!(k["crv"], "Ed25519");
    assert_eq!(k["use"], "sig");
    assert_eq!(k["alg"], "EdDSA");
    assert!(k["kid"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(URL_SAFE_NO_PAD.decode(k["x"].as_str().unwrap()).unwrap().len(), 32);
    assert!(k.get("d").is_none(), "no private key material");
}

#[tokio::test]
async fn full_pkce_code_flow_without_browser() {
    let h = start().await;
    // The interactive page renders and lists the seeded accounts.
    let v = verifier();
    let ch = s256_challenge(&v);
    let page = h
        .http
        .get(h.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "pas-demo"),
            ("redirect_uri", REDIRECT),
            ("state", "st-1"),
            ("code_challenge", ch.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("alice") && html.contains("<form method=\"post\""));

    let alice = h.account_id("alice").await;
    assert_eq!(alice.len(), 26);
    let code = h.login("alice", &v).await;
    let (s, t) = h.exchange(&code, &v).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 300);
    assert_eq!(t["scope"], "openid profile");
    assert!(t["refresh_token"].as_str().is_some_and(|r| r.len() >= 43));

    let at = t["access_token"].as_str().unwrap();
    let (hdr, c) = decode(at);
    assert_eq!(hdr, json!({"typ": "at+jwt", "alg": "EdDSA", "kid": hdr["kid"].clone()}));
    assert_eq!(hdr.as_object().unwrap().len(), 3, "header allowlist typ/alg/kid");
    assert_eq!(c["iss"], h.srv.issuer());
    assert_eq!(c["aud"], "pas-demo");
    assert_eq!(c["client_id"], "pas-demo");
    assert_eq!(c["sub"], alice.as_str());
    assert_eq!(c["sv"], 1);
    assert_eq!(c["cat"], "access");
    assert_eq!(c["scope"], "openid profile");
    assert!(c["sid"].as_str().is_some() && c["jti"].as_str().is_some());
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 300);
    assert!(verify_with_jwks(&h, at).await, "Ed25519 signature verifies");
    // Tampering breaks it.
    let (head, rest) = at.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let forged_claims = URL_SAFE_NO_PAD.encode(json!({"sub": "mallory"}).to_string());
    assert!(!verify_with_jwks(&h, &format!("{head}.{forged_claims}.{sig}")).await);

    let id = t["id_token"].as_str().unwrap();
    let (ih, ic) = decode(id);
    assert_eq!(ih["alg"], "EdDSA");
    assert_eq!(ic["nonce"], "n-1");
    assert_eq!(ic["aud"], "pas-demo");
    assert!(verify_with_jwks(&h, id).await);

    // Userinfo with the bearer token.
    let r = h.http.get(h.url("/oauth/userinfo")).bearer_auth(at).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["sub"], alice.as_str());
    assert_eq!(u["sv"], 1);
    assert_eq!(u["ppnum"].as_str().unwrap().len(), 11);
    // Without / with a bad token.
    let r = h.http.get(h.url("/oauth/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = h.http.get(h.url("/oauth/userinfo")).bearer_auth(format!("{at}x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
}

#[tokio::test]
async fn login_hint_skips_the_page() {
    let h = start().await;
    let v = verifier();
    let ch = s256_challenge(&v);
    let r = h
        .http
        .get(h.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "pas-demo"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
            ("code_challenge", ch.as_str()),
            ("code_challenge_method", "S256"),
            ("login_hint", "bob"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let code = loc.query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let (s, t) = h.exchange(&code, &v).await;
    assert_eq!(s, StatusCode::OK);
    let bob = h.account_id("bob").await;
    assert_eq!(decode(t["access_token"].as_str().unwrap()).1["sub"], bob.as_str());
}

#[tokio::test]
async fn authorize_errors_follow_rfc6749() {
    let h = start().await;
    let ch = s256_challenge(&verifier());
    let base = |over: &[(&'static str, &'static str)]| {
        let mut p: Vec<(&str, String)> = vec![
            ("account", "alice".into()),
            ("response_type", "code".into()),
            ("client_id", "pas-demo".into()),
            ("redirect_uri", REDIRECT.into()),
            ("state", "s1".into()),
            ("code_challenge", ch.clone()),
            ("code_challenge_method", "S256".into()),
        ];
        for (k, v) in over {
            p.retain(|(pk, _)| pk != k);
            if !v.is_empty() {
                p.push((k, (*v).to_owned()));
            }
        }
        p
    };
    async fn send(h: &H, p: Vec<(&str, String)>) -> reqwest::Response {
        h.http.post(h.url("/oauth/authorize")).form(&p).send().await.unwrap()
    }
    fn err_of(r: &reqwest::Response) -> (String, Option<String>) {
        let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        let q: std::collections::HashMap<String, String> = loc.query_pairs().into_owned().collect();
        (q["error"].clone(), q.get("state").cloned())
    }
    // Unknown client and unregistered redirect: no redirect, 400 page.
    let r = send(&h, base(&[("client_id", "nope")])).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get("location").is_none());
    let r = send(&h, base(&[("redirect_uri", "https://evil.example/cb")])).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.headers().get("location").is_none());
    // Everything else: redirect with error + state + iss.
    let r = send(&h, base(&[("code_challenge_method", "plain")])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(err_of(&r), ("invalid_request".into(), Some("s1".into())));
    let r = send(&h, base(&[("code_challenge_method", "")])).await;
    assert_eq!(err_of(&r).0, "invalid_request");
    let r = send(&h, base(&[("code_challenge", "")])).await;
    assert_eq!(err_of(&r).0, "invalid_request");
    let r = send(&h, base(&[("response_type", "token")])).await;
    assert_eq!(err_of(&r).0, "unsupported_response_type");
    let r = send(&h, base(&[("state", "")])).await;
    assert_eq!(err_of(&r), ("invalid_request".into(), None));
    let r = send(&h, base(&[("account", "nobody")])).await;
    assert_eq!(err_of(&r).0, "access_denied");
    let r = send(&h, base(&[("deny", "1")])).await;
    assert_eq!(err_of(&r).0, "access_denied");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let h = start().await;
    let (s, b) = h.token(&[("grant_type", "password"), ("client_id", "pas-demo")]).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
    let (s, b) = h.token(&[("client_id", "pas-demo")]).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (s, b) = h.token(&[("grant_type", "authorization_code"), ("client_id", "pas-demo")]).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let (s, b) = h.token(&[("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "other")]).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let (s, b) = h.refresh("no-such-token").await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Repeated parameter.
    let r = h
        .http
        .post(h.url("/oauth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&grant_type=refresh_token&client_id=pas-demo")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_verifier_and_redirect_mismatch_are_invalid_grant() {
    let h = start().await;
    let v = verifier();
    let code = h.login("alice", &v).await;
    let (s, b) = h.exchange(&code, &verifier()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(b["error"], "invalid_grant");

    let v = verifier();
    let code = h.login("alice", &v).await;
    let (s, b) = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8765/other"),
            ("client_id", "pas-demo"),
            ("code_verifier", &v),
        ])
        .await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let h = start_with(Config { code_ttl: Duration::from_secs(0), ..Config::default() }).await;
    let v = verifier();
    let code = h.login("alice", &v).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, b) = h.exchange(&code, &v).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn code_replay_is_invalid_grant_and_revokes_tokens_from_it() {
    let h = start().await;
    let v = verifier();
    let code = h.login("alice", &v).await;
    let (s, t) = h.exchange(&code, &v).await;
    assert_eq!(s, StatusCode::OK);
    let rt = t["refresh_token"].as_str().unwrap();
    assert_eq!(h.refresh(rt).await.0, StatusCode::OK);
    let (s, b) = h.exchange(&code, &v).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (s, b) = h.refresh(rt).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // The access token's session is gone too.
    let r = h.http.get(h.url("/oauth/userinfo")).bearer_auth(t["access_token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn refresh_without_rotation_keeps_the_token() {
    let h = start().await;
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    let sid = decode(t["access_token"].as_str().unwrap()).1["sid"].clone();
    for _ in 0..3 {
        let (s, n) = h.refresh(rt).await;
        assert_eq!(s, StatusCode::OK, "{n}");
        assert_eq!(n["refresh_token"], rt);
        let (_, c) = decode(n["access_token"].as_str().unwrap());
        assert_eq!(c["sid"], sid, "same session id per family");
        assert_ne!(n["access_token"], t["access_token"]);
    }
    // Narrowing scope is fine, widening is not.
    let (s, n) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "pas-demo"),
            ("scope", "openid"),
        ])
        .await;
    assert_eq!((s, n["scope"].as_str()), (StatusCode::OK, Some("openid")));
    let (s, n) = h
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("client_id", "pas-demo"),
            ("scope", "openid admin"),
        ])
        .await;
    assert_eq!((s, n["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_scope")));
}

#[tokio::test]
async fn rotation_reuse_revokes_the_family() {
    let h = start_with(Config { rotate_refresh_tokens: true, ..Config::default() }).await;
    let t = h.tokens("alice").await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_owned();
    let (s, n) = h.refresh(&rt1).await;
    assert_eq!(s, StatusCode::OK);
    let rt2 = n["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    let (s, n) = h.refresh(&rt2).await;
    assert_eq!(s, StatusCode::OK);
    let rt3 = n["refresh_token"].as_str().unwrap().to_owned();
    // Reuse of rt1 → invalid_grant, and the live rt3 dies with the family.
    let (s, b) = h.refresh(&rt1).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (s, b) = h.refresh(&rt3).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Another family of the same account is unaffected.
    let other = h.tokens("alice").await;
    assert_eq!(h.refresh(other["refresh_token"].as_str().unwrap()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn rotation_can_be_toggled_at_runtime() {
    let h = start().await;
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    let (s, v) = h.control("/rotation", json!({"enabled": true})).await;
    assert_eq!((s, v["enabled"].as_bool()), (StatusCode::OK, Some(true)));
    let (_, n) = h.refresh(rt).await;
    assert_ne!(n["refresh_token"], rt);
    h.control("/rotation", json!({"enabled": false})).await;
    let rt2 = n["refresh_token"].as_str().unwrap();
    let (_, n2) = h.refresh(rt2).await;
    assert_eq!(n2["refresh_token"], rt2);
    assert_eq!(h.get_json("/__control/rotation").await.1["enabled"], false);
}

#[tokio::test]
async fn bump_sv_shows_in_the_next_refreshed_token() {
    let h = start().await;
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    assert_eq!(decode(t["access_token"].as_str().unwrap()).1["sv"], 1);
    let alice = h.account_id("alice").await;
    let (s, b) = h.control(&format!("/accounts/{alice}/bump-sv"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["sv"], 2);
    // By name works too.
    let (_, b) = h.control("/accounts/alice/bump-sv", Value::Null).await;
    assert_eq!(b["sv"], 3);
    let (_, n) = h.refresh(rt).await;
    assert_eq!(decode(n["access_token"].as_str().unwrap()).1["sv"], 3);
    // Bob is untouched.
    let bt = h.tokens("bob").await;
    assert_eq!(decode(bt["access_token"].as_str().unwrap()).1["sv"], 1);
    // Set explicitly.
    let (_, b) = h.control("/accounts/alice/sv", json!({"sv": 10})).await;
    assert_eq!(b["sv"], 10);
    let (_, n) = h.refresh(rt).await;
    assert_eq!(decode(n["access_token"].as_str().unwrap()).1["sv"], 10);
    let (s, _) = h.control("/accounts/nobody/bump-sv", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn revoke_account_and_single_token() {
    let h = start().await;
    let a1 = h.tokens("alice").await;
    let a2 = h.tokens("alice").await;
    let b1 = h.tokens("bob").await;
    let (s, v) = h.control("/accounts/alice/revoke", json!({})).await;
    assert_eq!((s, v["revoked_families"].as_u64()), (StatusCode::OK, Some(2)));
    for t in [&a1, &a2] {
        let (s, b) = h.refresh(t["refresh_token"].as_str().unwrap()).await;
        assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    }
    let brt = b1["refresh_token"].as_str().unwrap();
    assert_eq!(h.refresh(brt).await.0, StatusCode::OK);
    let (s, _) = h.control("/refresh-tokens/revoke", json!({"refresh_token": brt})).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = h.refresh(brt).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let (s, _) = h.control("/refresh-tokens/revoke", json!({"refresh_token": "nope"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn fault_status_with_retry_after_and_count() {
    let h = start().await;
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    h.fault("token", 2, json!({"status": 503, "retry_after": 7})).await;
    for _ in 0..2 {
        let r = h
            .http
            .post(h.url("/oauth/token"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", rt), ("client_id", "pas-demo")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "7");
    }
    assert_eq!(h.refresh(rt).await.0, StatusCode::OK, "third call is normal");
    // Custom body and an OAuth error code.
    h.fault("token", 1, json!({"status": 502, "body": "<html>Bad Gateway</html>", "content_type": "text/html"})).await;
    let r = h.http.post(h.url("/oauth/token")).form(&[("grant_type", "refresh_token")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(r.headers()["content-type"], "text/html");
    assert_eq!(r.text().await.unwrap(), "<html>Bad Gateway</html>");
    h.fault("token", 1, json!({"status": 400, "error": "invalid_grant"})).await;
    let (s, b) = h.refresh(rt).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    // Faults queue in order.
    h.fault("token", 1, json!({"status": 500})).await;
    h.fault("token", 1, json!({"status": 429})).await;
    assert_eq!(h.refresh(rt).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(h.refresh(rt).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(h.refresh(rt).await.0, StatusCode::OK);
}

#[tokio::test]
async fn fault_delay_exceeds_a_client_timeout() {
    let h = start().await;
    h.fault("jwks", 1, json!({"delay_ms": 1500})).await;
    let started = Instant::now();
    let err = h.http.get(h.url("/.well-known/jwks.json")).timeout(Duration::from_millis(300)).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert!(started.elapsed() < Duration::from_millis(1400));
    // Delayed but then normal.
    h.fault("discovery", 1, json!({"delay_ms": 200})).await;
    let started = Instant::now();
    let (s, _) = h.get_json("/.well-known/openid-configuration").await;
    assert_eq!(s, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn fault_malformed_json() {
    let h = start().await;
    h.fault("token", 1, json!({"malformed_json": true})).await;
    let r = h.http.post(h.url("/oauth/token")).form(&[("grant_type", "refresh_token")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    h.fault("jwks", 1, json!({"malformed_json": true})).await;
    let r = h.http.get(h.url("/.well-known/jwks.json")).send().await.unwrap();
    assert!(r.json::<Value>().await.is_err());
}

#[tokio::test]
async fn fault_drop_connection_closes_without_answer() {
    let h = start().await;
    for ep in ["token", "jwks", "userinfo", "discovery"] {
        h.fault(ep, 1, json!({"drop_connection": true})).await;
    }
    let err = h.http.post(h.url("/oauth/token")).form(&[("grant_type", "refresh_token")]).send().await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    for path in ["/.well-known/jwks.json", "/oauth/userinfo", "/.well-known/openid-configuration"] {
        let err = h.http.get(h.url(path)).send().await.unwrap_err();
        assert!(err.status().is_none(), "{path}: {err:?}");
    }
    // Raw TCP: the server closes with zero response bytes.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    h.fault("jwks", 1, json!({"drop_connection": true})).await;
    let mut sock = tokio::net::TcpStream::connect(h.srv.addr()).await.unwrap();
    sock.write_all(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), sock.read_to_end(&mut buf)).await.unwrap().unwrap_or(0);
    assert_eq!(n, 0, "got {:?}", String::from_utf8_lossy(&buf));
    // The server keeps working.
    assert_eq!(h.get_json("/.well-known/jwks.json").await.0, StatusCode::OK);
}

#[tokio::test]
async fn fault_sv_shapes() {
    let h = start().await;
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    h.fault("token", 1, json!({"access_token_without_sv": true})).await;
    let (s, n) = h.refresh(rt).await;
    assert_eq!(s, StatusCode::OK);
    let (_, c) = decode(n["access_token"].as_str().unwrap());
    assert!(c.get("sv").is_none(), "{c}");
    assert!(verify_with_jwks(&h, n["access_token"].as_str().unwrap()).await);
    for v in [json!("7"), json!(-1), json!(1.5), json!(null), json!({"x": 1})] {
        h.fault("token", 1, json!({"sv_value": v})).await;
        let (s, n) = h.refresh(rt).await;
        assert_eq!(s, StatusCode::OK);
        let (_, c) = decode(n["access_token"].as_str().unwrap());
        assert_eq!(c.get("sv"), Some(&v), "{c}");
    }
    // Back to normal.
    let (_, n) = h.refresh(rt).await;
    assert_eq!(decode(n["access_token"].as_str().unwrap()).1["sv"], 1);
    // sv faults only make sense on the token endpoint.
    let (s, _) = h.control("/faults", json!({"endpoint": "jwks", "fault": {"sv_value": 2}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = h.control("/faults", json!({"endpoint": "token", "fault": {"bogus": 1}})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn fault_on_userinfo_and_listing_and_reset() {
    let h = start().await;
    h.fault("userinfo", 3, json!({"status": 500})).await;
    let (_, f) = h.get_json("/__control/faults").await;
    assert_eq!(f["userinfo"][0]["remaining"], 3);
    let r = h.http.get(h.url("/oauth/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (_, f) = h.get_json("/__control/faults").await;
    assert_eq!(f["userinfo"][0]["remaining"], 2);
    let (s, _) = h.control("/reset", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let r = h.http.get(h.url("/oauth/userinfo")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "fault cleared; no token");
    assert_eq!(h.counters().await["userinfo"], 1);
}

#[tokio::test]
async fn counters_count_calls_per_endpoint() {
    let h = start().await;
    let c = h.counters().await;
    for k in ["token", "token_code", "token_refresh", "jwks", "userinfo", "discovery", "authorize"] {
        assert_eq!(c[k], 0, "{k}");
    }
    let t = h.tokens("alice").await;
    let rt = t["refresh_token"].as_str().unwrap();
    h.refresh(rt).await;
    h.refresh(rt).await;
    h.get_json("/.well-known/jwks.json").await;
    h.get_json("/.well-known/openid-configuration").await;
    h.fault("token", 1, json!({"status": 503})).await;
    h.refresh(rt).await; // faulted calls count too
    let c = h.counters().await;
    assert_eq!(c["token"], 4);
    assert_eq!(c["token_code"], 1);
    assert_eq!(c["token_refresh"], 3);
    assert_eq!(c["jwks"], 1);
    assert_eq!(c["discovery"], 1);
    assert_eq!(c["authorize"], 1);
    h.control("/counters/reset", json!({})).await;
    assert_eq!(h.counters().await["token"], 0);
}

#[tokio::test]
async fn key_rotation_keeps_then_retires_old_keys() {
    let h = start().await;
    let t1 = h.tokens("alice").await;
    let at1 = t1["access_token"].as_str().unwrap().to_owned();
    let kid1 = decode(&at1).0["kid"].as_str().unwrap().to_owned();

    let (s, r) = h.control("/keys/rotate", json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let kid2 = r["kid"].as_str().unwrap().to_owned();
    assert_ne!(kid1, kid2);
    let (_, jwks) = h.get_json("/.well-known/jwks.json").await;
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![kid2.as_str(), kid1.as_str()], "new key first, old kept");
    let t2 = h.tokens("alice").await;
    let at2 = t2["access_token"].as_str().unwrap().to_owned();
    assert_eq!(decode(&at2).0["kid"], kid2.as_str());
    assert!(verify_with_jwks(&h, &at1).await && verify_with_jwks(&h, &at2).await);

    let (_, r) = h.control("/keys/rotate", json!({"retire_old": true})).await;
    let kid3 = r["kid"].as_str().unwrap().to_owned();
    let (_, jwks) = h.get_json("/.well-known/jwks.json").await;
    let kids: Vec<&str> = jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert_eq!(kids, vec![kid3.as_str()]);
    assert!(!verify_with_jwks(&h, &at1).await);
    // userinfo refuses tokens signed by a retired key.
    let r = h.http.get(h.url("/oauth/userinfo")).bearer_auth(&at2).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn seed_makes_keys_and_ids_reproducible() {
    let cfg = || Config { seed: Some(42), ..Config::default() };
    let a = start_with(cfg()).await;
    let b = start_with(cfg()).await;
    let c = start_with(Config { seed: Some(43), ..Config::default() }).await;
    let ja = a.get_json("/.well-known/jwks.json").await.1;
    assert_eq!(ja, b.get_json("/.well-known/jwks.json").await.1);
    assert_ne!(ja, c.get_json("/.well-known/jwks.json").await.1);
    let ta = a.tokens("alice").await;
    let tb = b.tokens("alice").await;
    assert_eq!(ta["refresh_token"], tb["refresh_token"]);
    assert_eq!(
        decode(ta["access_token"].as_str().unwrap()).1["jti"],
        decode(tb["access_token"].as_str().unwrap()).1["jti"]
    );
    assert_eq!(a.account_id("alice").await, c.account_id("alice").await, "account ids are fixed");
}

#[tokio::test]
async fn issuer_override_and_client_list() {
    let h = start_with(Config {
        issuer: Some("https://accounts.example.test".into()),
        clients: pas_devserver::ClientPolicy::List(vec!["pas-demo".into(), "second".into()]),
        access_token_ttl: Duration::from_secs(5),
        ..Config::default()
    })
    .await;
    let (_, d) = h.get_json("/.well-known/openid-configuration").await;
    assert_eq!(d["issuer"], "https://accounts.example.test");
    assert_eq!(d["token_endpoint"], format!("{}/oauth/token", h.srv.base_url()));
    let t = h.tokens("carol").await;
    let (_, c) = decode(t["access_token"].as_str().unwrap());
    assert_eq!(c["iss"], "https://accounts.example.test");
    assert_eq!(c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap(), 5);
    let (s, t2) = h.control("/tokens", json!({"account": "bob", "client_id": "second"})).await;
    assert_eq!(s, StatusCode::OK);
    let (_, c2) = decode(t2["access_token"].as_str().unwrap());
    assert_eq!((c2["aud"].as_str(), c2["client_id"].as_str()), (Some("second"), Some("second")));
    // A refresh token of client "second" is not usable by pas-demo.
    let (s, b) = h.refresh(t2["refresh_token"].as_str().unwrap()).await;
    assert_eq!((s, b["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

#[tokio::test]
async fn control_login_mints_a_code() {
    let h = start().await;
    let v = verifier();
    let (s, r) = h
        .control(
            "/login",
            json!({"account": "alice", "redirect_uri": REDIRECT,
                   "code_challenge": s256_challenge(&v), "state": "abc"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(r["redirect_to"].as_str().unwrap().starts_with(REDIRECT));
    let (s, t) = h.exchange(r["code"].as_str().unwrap(), &v).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let (s, a) = h.control("/accounts", json!({"name": "dave"})).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(a["id"].as_str().unwrap().len(), 26);
    let t = h.tokens("dave").await;
    assert_eq!(decode(t["access_token"].as_str().unwrap()).1["sub"], a["id"]);
}
