//! The fail-open liveness refresh: one case per row of pas-reference §8.2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed assertion is the point of a test

use std::time::Duration;

use pas_core::liveness::{LivenessOutcome, RevokeCause, TransientCause, attempt_liveness_refresh};
use pas_core::testing::ScriptedPas;
use pas_core::{EncryptedRefreshToken, ErrorCode, PasFailure, TokenCipher, TokenResponse};

fn setup() -> (ScriptedPas, TokenCipher, EncryptedRefreshToken) {
    let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
    let ct = cipher.encrypt("rt-1").unwrap();
    (ScriptedPas::new(), cipher, ct)
}

#[tokio::test]
async fn undecryptable_ciphertext_revokes_without_calling_pas() {
    let (pas, cipher, _) = setup();
    let out = attempt_liveness_refresh(&pas, &cipher, &EncryptedRefreshToken::from_stored("AAAA")).await;
    assert_eq!(out, LivenessOutcome::Revoked { cause: RevokeCause::CipherFailure, status: None });
    assert!(!out.keeps_session());
    assert_eq!(pas.call_count(), 0);
}

#[tokio::test]
async fn pas_4xx_revokes() {
    let (pas, cipher, ct) = setup();
    pas.refresh_fails(PasFailure::from_status(401, Some("invalid_client".into()), None));
    let out = attempt_liveness_refresh(&pas, &cipher, &ct).await;
    assert_eq!(out, LivenessOutcome::Revoked { cause: RevokeCause::PasRejected, status: Some(401) });
    assert_eq!(RevokeCause::PasRejected.as_str(), "pas_rejected");
}

#[tokio::test]
async fn pas_5xx_408_429_transport_and_garbage_keep_the_session() {
    let failures = [
        PasFailure::from_status(500, None, None),
        PasFailure::from_status(503, None, Some(Duration::from_secs(7))),
        PasFailure::from_status(408, None, None),
        PasFailure::from_status(429, None, Some(Duration::from_secs(2))),
        PasFailure::Transport { code: ErrorCode::PasTimeout, detail: "timeout".into() },
        PasFailure::Transport { code: ErrorCode::PasTransport, detail: "refused".into() },
        PasFailure::bad_response("not json"),
    ];
    for failure in failures {
        let (pas, cipher, ct) = setup();
        let retry_after = failure.retry_after();
        pas.refresh_fails(failure.clone());
        let out = attempt_liveness_refresh(&pas, &cipher, &ct).await;
        assert_eq!(
            out,
            LivenessOutcome::Transient { cause: TransientCause::PasUnavailable, retry_after },
            "{failure:?}"
        );
        assert!(out.keeps_session());
    }
}

#[tokio::test]
async fn rotation_is_re_encrypted_and_returned() {
    let (pas, cipher, ct) = setup();
    pas.expect_refresh(Some("rt-1"), Ok(TokenResponse::new("at", Some("rt-2".into()))));
    let LivenessOutcome::Fresh { rotated_ciphertext: Some(new_ct) } =
        attempt_liveness_refresh(&pas, &cipher, &ct).await
    else {
        panic!("expected a rotated ciphertext")
    };
    assert_eq!(cipher.decrypt(&new_ct).unwrap().expose(), "rt-2");
}

#[tokio::test]
async fn same_or_absent_refresh_token_is_not_a_rotation() {
    for returned in [None, Some("rt-1".to_string())] {
        let (pas, cipher, ct) = setup();
        pas.expect_refresh(Some("rt-1"), Ok(TokenResponse::new("at", returned)));
        let out = attempt_liveness_refresh(&pas, &cipher, &ct).await;
        assert_eq!(out, LivenessOutcome::Fresh { rotated_ciphertext: None });
    }
}
