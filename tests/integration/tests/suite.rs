//! pas-core's code exchange, refresh, JWKS, verification and session-validation paths, run
//! against pas-devserver and against oidc-provider (an independent, OpenID Certified server).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failures are the point

use std::sync::Arc;
use std::time::Duration;

use pas_core::liveness::LivenessOutcome;
use pas_core::session::{ExpiredCause, MemorySvCache, SessionValidator, Validation, sv_cache_key};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore};
use pas_core::{ErrorCode, PasFailure, SecretString, TokenCipher, TokenResponse};
use pas_integration::{Harness, payload};

/// Runs one suite function against both servers, as two tests.
macro_rules! on_both_servers {
    ($($name:ident),* $(,)?) => {
        mod devserver {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(pas_integration::Harness::devserver(true).await).await } )*
        }
        mod oidc_provider {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(pas_integration::Harness::oidc_provider().await).await } )*
        }
    };
}

on_both_servers!(code_flow_refresh_and_verification, break_glass_rotation_and_revocation, pas_down);

async fn login(h: &Harness) -> TokenResponse {
    let request = h.config.authorization_request().unwrap();
    let code = h.login(&request).await;
    h.client().exchange_code(&code, request.code_verifier.expose()).await.unwrap()
}

/// A session as a host would create it at login: the refresh token encrypted, `sv` recorded.
struct Session {
    store: MemoryStore,
    cache: Arc<MemorySvCache>,
    cipher: TokenCipher,
    validator: SessionValidator,
    ppnum_id: String,
}

impl Session {
    async fn login(h: &Harness) -> Session {
        let tokens = login(h).await;
        let claims = payload(tokens.access_token.expose());
        let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
        let store = MemoryStore::new(EffectLog::new());
        let ppnum_id = claims["sub"].as_str().unwrap().to_owned();
        store.insert(
            "sid-1",
            MemorySession {
                ppnum_id: ppnum_id.clone(),
                sv: claims["sv"].as_i64(),
                ciphertext: Some(cipher.encrypt(tokens.refresh_token.unwrap().expose()).unwrap()),
            },
        );
        let cache = Arc::new(MemorySvCache::new());
        let validator =
            SessionValidator::builder(Arc::new(h.client())).cipher(cipher.clone()).cache(cache.clone()).build();
        Session { store, cache, cipher, validator, ppnum_id }
    }

    async fn validate(&self) -> Validation<MemorySession> {
        self.validator.validate(&self.store, Some("sid-1")).await.unwrap()
    }

    fn refresh_token(&self) -> String {
        let stored = self.store.get("sid-1").unwrap().ciphertext.unwrap();
        self.cipher.decrypt(&stored).unwrap().expose().to_owned()
    }
}

async fn code_flow_refresh_and_verification(h: Harness) {
    let client = h.client();
    let request = h.config.authorization_request().unwrap();
    let code = h.login(&request).await;
    let tokens = client.exchange_code(&code, request.code_verifier.expose()).await.unwrap();
    let verifier = h.verifier(Duration::from_secs(30));
    let verified = verifier.verify(tokens.access_token.expose()).await.unwrap();
    assert_eq!(verified.subject(), payload(tokens.access_token.expose())["sub"].as_str().unwrap());
    assert!(verified.sv().is_some(), "{}: access token carries sv", h.name);
    assert_eq!(verified.client_id(), h.config.client_id());

    let refresh_token = tokens.refresh_token.clone().expect("a refresh token is issued");
    let refreshed = client.refresh(&refresh_token).await.unwrap();
    verifier.verify(refreshed.access_token.expose()).await.unwrap();
    if h.rotates {
        assert_ne!(refreshed.refresh_token.as_ref(), Some(&refresh_token), "{}: rotated", h.name);
    }

    // A replayed code is refused (RFC 6749 §10.5), a wrong verifier too.
    let replay = client.exchange_code(&code, request.code_verifier.expose()).await.unwrap_err();
    assert!(matches!(replay, PasFailure::Rejected { status: 400, .. }), "{}: {replay:?}", h.name);
    let request = h.config.authorization_request().unwrap();
    let code = h.login(&request).await;
    let wrong = client.exchange_code(&code, &"x".repeat(43)).await.unwrap_err();
    assert_eq!(pas_core::Error::from(wrong).oauth_error(), Some("invalid_grant"));
}

async fn break_glass_rotation_and_revocation(h: Harness) {
    let s = Session::login(&h).await;
    let first_rt = s.refresh_token();
    // Unknown cache: refresh at PAS, then served from the cache.
    let v = s.validate().await;
    assert!(matches!(v, Validation::Authenticated { refreshed: true, .. }), "{}: {v:?}", h.name);
    let v = s.validate().await;
    assert!(matches!(v, Validation::Authenticated { refreshed: false, .. }), "{}: {v:?}", h.name);

    // Break-glass: PAS bumps sv and writes the shared cache; the next check refreshes and
    // picks the new sv up.
    let new_sv = h.bump_sv().await;
    s.cache.set(&sv_cache_key(&s.ppnum_id), new_sv, Duration::from_secs(60));
    let v = s.validate().await;
    let Validation::Authenticated { sv, refreshed: true, .. } = v else { panic!("{}: {v:?}", h.name) };
    assert_eq!(sv, new_sv);
    assert_eq!(s.store.get("sid-1").unwrap().sv, Some(new_sv));

    // With rotation, the rotated token was persisted and the old one is never sent again: one
    // more refresh after the cache is cleared succeeds (a reuse would revoke the family).
    if h.rotates {
        assert_ne!(s.refresh_token(), first_rt, "{}: rotated token persisted", h.name);
        s.cache.clear();
        let v = s.validate().await;
        assert!(matches!(v, Validation::Authenticated { refreshed: true, .. }), "{}: {v:?}", h.name);
    }

    // Revoked refresh token: Expired, pas_rejected.
    h.revoke(&s.refresh_token()).await;
    s.cache.clear();
    let v = s.validate().await;
    assert!(matches!(v, Validation::Expired(ExpiredCause::PasRejected)), "{}: {v:?}", h.name);
}

async fn pas_down(h: Harness) {
    let s = Session::login(&h).await;
    h.break_token_endpoint().await;
    // sv path: fail closed.
    let v = s.validate().await;
    assert!(matches!(v, Validation::Expired(ExpiredCause::PasUnavailable)), "{}: {v:?}", h.name);
    // liveness path: keep the session.
    let stored = s.store.get("sid-1").unwrap().ciphertext.unwrap();
    let out = s.validator.liveness_refresh(&stored).await;
    assert!(matches!(out, LivenessOutcome::Transient { .. }), "{}: {out:?}", h.name);
    h.heal_token_endpoint().await;
    let v = s.validate().await;
    assert!(matches!(v, Validation::Authenticated { .. }), "{}: {v:?}", h.name);
}

/// Every scripted fault of pas-devserver: its `PasFailure` class, its sv-path decision and its
/// liveness-path decision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devserver_every_fault_maps_to_its_class() {
    let mut h = Harness::devserver(false).await;
    h.config = h.config.clone().with_request_timeout(Duration::from_millis(500));
    use serde_json::json;
    // (fault, code of the client error or None when the refresh succeeds, sv-path decision,
    //  liveness keeps the session)
    let cases: Vec<(serde_json::Value, Option<ErrorCode>, Option<ExpiredCause>, bool)> = vec![
        (
            json!({"status":400,"error":"invalid_grant"}),
            Some(ErrorCode::PasRejected),
            Some(ExpiredCause::PasRejected),
            false,
        ),
        (
            json!({"status":401,"error":"invalid_client"}),
            Some(ErrorCode::PasRejected),
            Some(ExpiredCause::PasRejected),
            false,
        ),
        (json!({"status":404}), Some(ErrorCode::PasRejected), Some(ExpiredCause::PasRejected), false),
        (json!({"status":408}), Some(ErrorCode::PasServerError), Some(ExpiredCause::PasUnavailable), true),
        (
            json!({"status":429,"retry_after":3}),
            Some(ErrorCode::PasServerError),
            Some(ExpiredCause::PasUnavailable),
            true,
        ),
        (json!({"status":500}), Some(ErrorCode::PasServerError), Some(ExpiredCause::PasUnavailable), true),
        (
            json!({"status":502,"body":"<html>bad gateway</html>","content_type":"text/html"}),
            Some(ErrorCode::PasServerError),
            Some(ExpiredCause::PasUnavailable),
            true,
        ),
        (
            json!({"status":503,"retry_after":7}),
            Some(ErrorCode::PasServerError),
            Some(ExpiredCause::PasUnavailable),
            true,
        ),
        (json!({"status":302}), Some(ErrorCode::PasTransport), Some(ExpiredCause::PasUnavailable), true),
        (json!({"delay_ms":1500}), Some(ErrorCode::PasTimeout), Some(ExpiredCause::PasUnavailable), true),
        (json!({"malformed_json":true}), Some(ErrorCode::PasBadResponse), Some(ExpiredCause::PasUnavailable), true),
        (json!({"drop_connection":true}), Some(ErrorCode::PasTransport), Some(ExpiredCause::PasUnavailable), true),
        (json!({"access_token_without_sv":true}), None, Some(ExpiredCause::SvMissing), true),
        (json!({"sv_value":"7"}), None, Some(ExpiredCause::SvInvalid), true),
        (json!({"sv_value":-1}), None, Some(ExpiredCause::SvInvalid), true),
        (json!({"sv_value":null}), None, Some(ExpiredCause::SvMissing), true),
    ];
    let s = Session::login(&h).await;
    let client = h.client();
    let rt = SecretString::new(s.refresh_token());
    for (fault, code, cause, keeps) in cases {
        let schedule = || h.control("faults", json!({"endpoint":"token","count":1,"fault":fault.clone()}));
        schedule().await;
        match (client.refresh(&rt).await, code) {
            (Err(failure), Some(code)) => {
                assert_eq!(failure.code(), code, "{fault}");
                if let Some(after) = fault.get("retry_after") {
                    assert_eq!(failure.retry_after(), Some(Duration::from_secs(after.as_u64().unwrap())), "{fault}");
                }
            }
            (Ok(_), None) => {}
            (other, _) => panic!("{fault}: {other:?}"),
        }
        schedule().await;
        s.cache.clear();
        let v = s.validate().await;
        assert_eq!(v.cause(), cause, "{fault}: {v:?}");
        schedule().await;
        let stored = s.store.get("sid-1").unwrap().ciphertext.unwrap();
        let out = s.validator.liveness_refresh(&stored).await;
        assert_eq!(out.keeps_session(), keeps, "{fault}: {out:?}");
    }
    let counters = h.control_get("counters").await;
    assert!(counters["token_refresh"].as_u64().unwrap() >= 48, "{counters}");
}

/// Key rotation: a token from a new key verifies after one rate-limited JWKS refetch; a token
/// whose key left the JWKS is rejected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devserver_key_rotation() {
    let h = Harness::devserver(false).await;
    let verifier = h.verifier(Duration::from_millis(300));
    let client = h.client();
    let first = login(&h).await;
    let rt = first.refresh_token.clone().unwrap();
    verifier.verify(first.access_token.expose()).await.unwrap();
    h.control("counters/reset", serde_json::json!({})).await;

    h.control("keys/rotate", serde_json::json!({"retire_old": false})).await;
    let second = client.refresh(&rt).await.unwrap();
    // Inside the rate-limit window the unknown kid is refused without a fetch.
    let early = verifier.verify(second.access_token.expose()).await;
    if let Err(err) = &early {
        assert_eq!(err.code(), ErrorCode::KidUnknown);
    }
    tokio::time::sleep(Duration::from_millis(350)).await;
    verifier.verify(second.access_token.expose()).await.unwrap();
    verifier.verify(second.access_token.expose()).await.unwrap();
    assert_eq!(h.control_get("counters").await["jwks"], 1, "exactly one refetch");
    verifier.verify(first.access_token.expose()).await.unwrap();

    h.control("keys/rotate", serde_json::json!({"retire_old": true})).await;
    let third = client.refresh(&rt).await.unwrap();
    tokio::time::sleep(Duration::from_millis(350)).await;
    verifier.verify(third.access_token.expose()).await.unwrap();
    let err = verifier.verify(first.access_token.expose()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::KidUnknown, "a retired key's tokens are rejected");
}

/// oidc-provider's own failure hooks map to the same classes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_provider_failure_hooks_map_to_their_classes() {
    let h = Harness::oidc_provider().await;
    let s = Session::login(&h).await;
    let client = h.client();
    let rt = SecretString::new(s.refresh_token());
    for (mode, code) in [
        ("500", ErrorCode::PasServerError),
        ("502html", ErrorCode::PasServerError),
        ("garbage200", ErrorCode::PasBadResponse),
        ("invalid_client", ErrorCode::PasRejected),
    ] {
        h.oidc_fail_mode(mode).await;
        assert_eq!(client.refresh(&rt).await.unwrap_err().code(), code, "{mode}");
        s.cache.clear();
        let v = s.validate().await;
        let expected =
            if code == ErrorCode::PasRejected { ExpiredCause::PasRejected } else { ExpiredCause::PasUnavailable };
        assert_eq!(v.cause(), Some(expected), "{mode}");
    }
    h.oidc_fail_mode("off").await;
}
