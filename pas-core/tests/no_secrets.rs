//! No secret ever appears in an error message or `Debug` output: a known refresh token, access
//! token, key, code and verifier are planted, every failure path is walked, and every rendered
//! string is searched for them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed assertion is the point of a test

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use pas_core::liveness::attempt_liveness_refresh;
use pas_core::oauth::{PasClient, PasConfig};
use pas_core::session::{SessionValidator, Validation};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore, ScriptedPas};
use pas_core::{EncryptedRefreshToken, PasFailure, SecretString, TokenCipher, TokenResponse};

const RT: &str = "rt-PLANTED-SECRET-3f9a1c";
const AT: &str = "at-PLANTED-SECRET-77b2e0";
const CODE: &str = "code-PLANTED-SECRET-51c8";
const VERIFIER: &str = "verifierPLANTEDSECRETxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
const KEY: &str = "q3UwGvJ6bW1T0l4s3o9nA7eH2kD5fR8cX1yZ6mP0QtE=";

fn assert_clean(what: &str, rendered: &str) {
    for secret in [RT, AT, CODE, VERIFIER, KEY, "PLANTED"] {
        assert!(!rendered.contains(secret), "{what} leaks a secret: {rendered}");
    }
}

fn check<T: std::fmt::Debug>(what: &str, value: &T) {
    assert_clean(what, &format!("{value:?}"));
    assert_clean(what, &format!("{value:#?}"));
}

fn check_error<E: std::fmt::Debug + std::fmt::Display>(what: &str, err: &E) {
    check(what, err);
    assert_clean(what, &err.to_string());
}

/// A token endpoint that echoes every secret it receives in each kind of failure.
async fn echo_server() -> SocketAddr {
    async fn answer(body: String) -> axum::response::Response {
        let echoed = format!(r#"{{"error":"{RT}","error_description":"{body}","access_token":"{AT}"}}"#);
        if body.contains("kind400") {
            (StatusCode::BAD_REQUEST, echoed).into_response()
        } else if body.contains("kind503") {
            (StatusCode::SERVICE_UNAVAILABLE, echoed).into_response()
        } else if body.contains("kind302") {
            (StatusCode::FOUND, [("location", format!("http://127.0.0.1:1/{RT}"))], echoed).into_response()
        } else if body.contains("kindgarbage") {
            (StatusCode::OK, [("content-type", "application/json")], format!("{{{echoed}")).into_response()
        } else {
            let ok = format!(r#"{{"access_token":"{AT}","token_type":"Bearer","refresh_token":"{RT}"}}"#);
            (StatusCode::OK, [("content-type", "application/json")], ok).into_response()
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/oauth/token", post(answer))).await.unwrap();
    });
    addr
}

#[tokio::test]
async fn token_client_errors_and_values_carry_no_secret() {
    let addr = echo_server().await;
    let config = PasConfig::new("client", "http://127.0.0.1/cb", format!("http://{addr}")).unwrap();
    check("config", &config);
    let client = PasClient::new(config).unwrap();
    check("client", &client);
    for kind in ["kind400", "kind503", "kind302", "kindgarbage"] {
        let token = SecretString::new(format!("{RT}-{kind}"));
        let err = client.refresh(&token).await.unwrap_err();
        check_error(kind, &err);
        check_error(kind, &pas_core::Error::from(err));
        let err = client.exchange_code(&format!("{CODE}-{kind}"), VERIFIER).await.unwrap_err();
        check_error(kind, &err);
    }
    let ok = client.refresh(&SecretString::new(RT)).await.unwrap();
    check("token response", &ok);
    let closed =
        PasClient::new(PasConfig::new("client", "http://127.0.0.1/cb", "http://127.0.0.1:9").unwrap()).unwrap();
    check_error("transport", &closed.refresh(&SecretString::new(RT)).await.unwrap_err());
}

#[tokio::test]
async fn cipher_session_and_liveness_paths_carry_no_secret() {
    let cipher = TokenCipher::from_base64_key(KEY).unwrap();
    check("cipher", &cipher);
    let sealed = cipher.encrypt(RT).unwrap();
    check("ciphertext", &sealed);
    check("plaintext", &cipher.decrypt(&sealed).unwrap());
    let other = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
    check_error("wrong key", &other.decrypt(&sealed).unwrap_err());
    check_error("bad key", &TokenCipher::from_base64_key(&format!("{KEY}{RT}")).unwrap_err());
    check_error("short key", &TokenCipher::from_base64_key("c2VjcmV0").unwrap_err());
    check_error("malformed", &cipher.decrypt_str(RT).unwrap_err());
    check_error("truncated", &cipher.decrypt_str("AAAA").unwrap_err());

    let log = EffectLog::new();
    let pas = Arc::new(ScriptedPas::new());
    let store = MemoryStore::new(log);
    store.insert("s", MemorySession { ppnum_id: "01HZ".into(), sv: Some(1), ciphertext: Some(sealed.clone()) });
    let validator = SessionValidator::builder(pas.clone()).cipher(cipher.clone()).build();
    check("validator", &validator);
    check("check", &{
        let mut c = validator.start("s");
        c.feed(pas_core::session::Feed::Session(Some(pas_core::session::SessionSnapshot {
            ppnum_id: "01HZ".into(),
            sv: Some(1),
        })));
        c.feed(pas_core::session::Feed::Cache(None));
        c.feed(pas_core::session::Feed::Ciphertext(Some(sealed.clone())));
        c
    });
    pas.expect_refresh(Some(RT), Ok(TokenResponse::new(AT, Some(format!("{RT}-new")))));
    pas.refresh_fails(PasFailure::Rejected { status: 400, oauth_error: Some(RT.into()) });
    for _ in 0..2 {
        match validator.validate(&store, Some("s")).await {
            Ok(v @ Validation::Expired(_)) | Ok(v @ Validation::Authenticated { .. }) => check("validation", &v),
            Ok(v) => check("validation", &v),
            Err(e) => check_error("validation error", &e),
        }
    }
    pas.expect_refresh(None, Ok(TokenResponse::new(AT, Some(format!("{RT}-rotated")))));
    check("liveness", &attempt_liveness_refresh(&*pas, &cipher, &sealed).await);
    check("liveness revoked", &attempt_liveness_refresh(&*pas, &other, &sealed).await);
    check("bad stored", &EncryptedRefreshToken::from_stored(RT));
}

#[test]
fn verification_errors_carry_no_token_or_claim() {
    use pas_core::testing::TestSigner;
    use pas_core::{Algorithm, Verifier};
    let signer = TestSigner::generate(Algorithm::EdDSA, "k1").unwrap();
    let verifier = Verifier::builder("https://pas", "app").jwks_json(&TestSigner::jwks(&[&signer])).build().unwrap();
    check("verifier", &verifier);
    let base = serde_json::json!({"iss":"https://pas","aud":"app","sub":RT,"client_id":"app","jti":AT,
        "iat":1_000,"exp":1_300,"sv":1});
    let mut tokens = vec![RT.to_owned(), format!("{RT}.{AT}.{CODE}"), format!("{AT}.{RT}")];
    for (claim, value) in [
        ("iss", serde_json::json!(RT)),
        ("aud", serde_json::json!(AT)),
        ("exp", serde_json::json!(RT)),
        ("sv", serde_json::json!(AT)),
        ("client_id", serde_json::json!(5)),
    ] {
        let mut claims = base.clone();
        claims[claim] = value;
        tokens.push(signer.sign(&claims).unwrap());
    }
    let good = signer.sign(&base).unwrap();
    tokens.push(format!("{good}{RT}"));
    for token in &tokens {
        let err = verifier.verify_cached_at(token, 1_100).unwrap_err();
        check_error("verify", &err);
    }
    let ok = verifier.verify_cached_at(&good, 1_100).unwrap();
    // A verified token's Debug may show its subject (not a secret), but never the token itself.
    assert!(!format!("{ok:?}").contains(&good));
}
