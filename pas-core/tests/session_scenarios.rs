//! The session scenarios of pas-reference §12.1 and §12.2, each asserting the decision, the cause
//! and the exact ordered effects (store, cache and PAS calls).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed assertion is the point of a test

use std::sync::Arc;
use std::time::Duration;

use pas_core::session::{ExpiredCause, SessionValidator, Validation, sv_cache_key};
use pas_core::testing::{EffectLog, MemorySession, MemoryStore, RecordingCache, ScriptedPas, StoreFaults};
use pas_core::{ErrorCode, PasFailure, TokenCipher};
use serde_json::json;

const SID: &str = "session-1";
const PPNUM: &str = "01HZX5K3M8Q4N7R2T6V9W0Y1Z2";
const RT: &str = "rt-original";

struct World {
    log: EffectLog,
    pas: Arc<ScriptedPas>,
    store: MemoryStore,
    cache: Arc<RecordingCache>,
    cipher: TokenCipher,
    validator: SessionValidator,
}

impl World {
    /// A Human session with `sv` and an encrypted refresh token; the cache starts empty.
    fn new(session_sv: Option<i64>) -> Self {
        Self::with_cipher(session_sv, true)
    }

    fn with_cipher(session_sv: Option<i64>, cipher_configured: bool) -> Self {
        let log = EffectLog::new();
        let pas = Arc::new(ScriptedPas::with_log(log.clone()));
        let store = MemoryStore::new(log.clone());
        let cache = Arc::new(RecordingCache::new(log.clone()));
        let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
        store.insert(
            SID,
            MemorySession { ppnum_id: PPNUM.into(), sv: session_sv, ciphertext: Some(cipher.encrypt(RT).unwrap()) },
        );
        let mut builder = SessionValidator::builder(pas.clone()).cache(cache.clone());
        if cipher_configured {
            builder = builder.cipher(cipher.clone());
        }
        let validator = builder.build();
        World { log, pas, store, cache, cipher, validator }
    }

    async fn validate(&self) -> Validation<MemorySession> {
        self.validator.validate(&self.store, Some(SID)).await.unwrap()
    }

    fn refresh_ok(&self, sv: serde_json::Value, refresh_token: Option<&str>) {
        self.pas.refresh_ok(&json!({ "sub": PPNUM, "sv": sv }), refresh_token);
    }

    fn key(&self) -> String {
        sv_cache_key(PPNUM)
    }

    fn effects(&self) -> Vec<String> {
        self.log.take()
    }
}

const REFRESH_PREFIX: [&str; 4] = ["find_session", "load_cache", "fetch_ciphertext", "refresh_at_pas"];

fn path(rest: &[&str]) -> Vec<String> {
    REFRESH_PREFIX.iter().chain(rest).map(|s| s.to_string()).collect()
}

fn assert_expired(v: &Validation<MemorySession>, cause: ExpiredCause) {
    assert!(matches!(v, Validation::Expired(c) if *c == cause), "expected Expired({cause}), got {v:?}");
}

// ---- pas-reference §12.1 ----

#[tokio::test]
async fn s01_pas_rejected_is_expired() {
    let w = World::new(Some(3));
    w.pas.refresh_fails(PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) });
    assert_expired(&w.validate().await, ExpiredCause::PasRejected);
    assert_eq!(w.effects(), path(&[]));
    assert_eq!(w.cache.peek(&w.key()), None);
}

#[tokio::test]
async fn s02_pas_server_error_is_expired_fail_closed() {
    let w = World::new(Some(3));
    w.pas.refresh_fails(PasFailure::from_status(503, None, Some(Duration::from_secs(5))));
    assert_expired(&w.validate().await, ExpiredCause::PasUnavailable);
    assert_eq!(w.effects(), path(&[]));
}

#[tokio::test]
async fn s03_pas_transport_is_expired() {
    let w = World::new(Some(3));
    w.pas.refresh_fails(PasFailure::Transport { code: ErrorCode::PasTimeout, detail: "timeout".into() });
    assert_expired(&w.validate().await, ExpiredCause::PasUnavailable);
    w.pas.refresh_fails(PasFailure::bad_response("garbage"));
    assert_expired(&w.validate().await, ExpiredCause::PasUnavailable);
}

#[tokio::test]
async fn s04_undecryptable_ciphertext_is_expired_and_pas_is_not_called() {
    let w = World::new(Some(3));
    let other = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
    w.store.insert(
        SID,
        MemorySession { ppnum_id: PPNUM.into(), sv: Some(3), ciphertext: Some(other.encrypt(RT).unwrap()) },
    );
    assert_expired(&w.validate().await, ExpiredCause::DecryptFailed);
    w.store.insert(
        SID,
        MemorySession {
            ppnum_id: PPNUM.into(),
            sv: Some(3),
            ciphertext: Some(pas_core::EncryptedRefreshToken::from_stored("garbage!")),
        },
    );
    assert_expired(&w.validate().await, ExpiredCause::DecryptFailed);
    assert_eq!(w.pas.call_count(), 0);
    assert!(!w.effects().contains(&"refresh_at_pas".to_string()));
}

#[tokio::test]
async fn s05_refreshed_token_without_sv_is_expired() {
    let w = World::new(Some(3));
    w.pas.refresh_ok(&json!({ "sub": PPNUM }), None);
    assert_expired(&w.validate().await, ExpiredCause::SvMissing);
    assert_eq!(w.effects(), path(&[]));
}

#[tokio::test]
async fn s06_persist_failure_is_expired_and_cache_untouched() {
    let w = World::new(Some(3));
    w.store.set_faults(StoreFaults { fail_persist: true, ..Default::default() });
    w.refresh_ok(json!(4), None);
    assert_expired(&w.validate().await, ExpiredCause::PersistFailed);
    assert_eq!(w.effects(), path(&["persist sv=4"]));
    assert_eq!(w.cache.peek(&w.key()), None);
}

#[tokio::test]
async fn s07_ciphertext_lookup_failure_is_expired() {
    let w = World::new(Some(3));
    w.store.set_faults(StoreFaults { fail_ciphertext: true, ..Default::default() });
    assert_expired(&w.validate().await, ExpiredCause::CiphertextLookupFailed);
    assert_eq!(w.effects(), ["find_session", "load_cache", "fetch_ciphertext"]);
    assert_eq!(w.pas.call_count(), 0);
}

#[tokio::test]
async fn s08_session_gone_on_refetch_is_expired() {
    let w = World::new(Some(3));
    w.store.set_faults(StoreFaults { vanish_after_persist: true, ..Default::default() });
    w.refresh_ok(json!(4), None);
    assert_expired(&w.validate().await, ExpiredCause::SessionGone);
    assert_eq!(w.effects(), path(&["persist sv=4", "record_cache sv=4 ttl=60", "find_session"]));
}

#[tokio::test]
async fn s09_happy_path_refreshes_persists_caches_and_refetches() {
    let w = World::new(Some(3));
    w.refresh_ok(json!(5), None);
    let v = w.validate().await;
    let Validation::Authenticated { session, sv, refreshed } = v else { panic!("{v:?}") };
    assert_eq!((sv, refreshed, session.sv), (5, true, Some(5)));
    assert_eq!(w.store.get(SID).unwrap().sv, Some(5));
    assert_eq!(w.cache.peek(&w.key()), Some(5));
    // Scenario 20: the exact effect order.
    assert_eq!(w.effects(), path(&["persist sv=5", "record_cache sv=5 ttl=60", "find_session"]));
    assert_eq!(w.pas.tokens_sent(), [RT]);
}

#[tokio::test]
async fn s10_stale_cache_takes_the_refresh_path() {
    let w = World::new(Some(3));
    w.cache.seed(&w.key(), 4);
    w.refresh_ok(json!(4), None);
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 4, refreshed: true, .. }), "{v:?}");
    assert_eq!(w.effects(), path(&["persist sv=4", "record_cache sv=4 ttl=60", "find_session"]));
}

#[tokio::test]
async fn s11_session_without_ciphertext_is_expired() {
    let w = World::new(Some(3));
    w.store.insert(SID, MemorySession { ppnum_id: PPNUM.into(), sv: Some(3), ciphertext: None });
    assert_expired(&w.validate().await, ExpiredCause::CiphertextMissing);
    assert_eq!(w.effects(), ["find_session", "load_cache", "fetch_ciphertext"]);
}

#[tokio::test]
async fn s12_validator_without_cipher_is_expired_without_fetching() {
    let w = World::with_cipher(Some(3), false);
    assert_expired(&w.validate().await, ExpiredCause::NoCipher);
    assert_eq!(w.effects(), ["find_session", "load_cache"]);
    assert_eq!(w.pas.call_count(), 0);
}

// ---- pas-reference §12.2 ----

#[tokio::test]
async fn s13_fresh_cache_does_no_further_io() {
    let w = World::new(Some(3));
    w.cache.seed(&w.key(), 3);
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 3, refreshed: false, .. }), "{v:?}");
    assert_eq!(w.effects(), ["find_session", "load_cache"]);
}

#[tokio::test]
async fn s14_session_newer_than_cache_is_fresh() {
    let w = World::new(Some(7));
    w.cache.seed(&w.key(), 3);
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 7, refreshed: false, .. }), "{v:?}");
    assert_eq!(w.effects(), ["find_session", "load_cache"]);
}

#[tokio::test]
async fn s15_cache_error_is_unknown_and_refreshes() {
    let w = World::new(Some(3));
    w.cache.seed(&w.key(), 3);
    w.cache.set_fail_load(true);
    w.refresh_ok(json!(3), None);
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 3, refreshed: true, .. }), "{v:?}");
    assert_eq!(w.effects(), path(&["persist sv=3", "record_cache sv=3 ttl=60", "find_session"]));
}

#[tokio::test]
async fn s16_session_without_sv_is_never_admitted_unchecked() {
    let w = World::new(None);
    w.cache.seed(&w.key(), 0);
    w.refresh_ok(json!(2), None);
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 2, refreshed: true, .. }), "{v:?}");
    assert_eq!(w.pas.call_count(), 1);
}

#[tokio::test]
async fn s17_sv_missing_null_or_not_json_is_sv_missing() {
    for claims in [json!({ "sub": PPNUM }), json!({ "sub": PPNUM, "sv": null })] {
        let w = World::new(Some(1));
        w.pas.refresh_ok(&claims, None);
        assert_expired(&w.validate().await, ExpiredCause::SvMissing);
    }
    let w = World::new(Some(1));
    w.pas.expect_refresh(None, Ok(pas_core::TokenResponse::new("opaque-not-a-jwt", None)));
    assert_expired(&w.validate().await, ExpiredCause::SvMissing);
}

#[tokio::test]
async fn s17a_sv_not_a_non_negative_integer_is_sv_invalid() {
    for sv in [json!("2"), json!(2.0), json!(-1), json!(true), json!([2])] {
        let w = World::new(Some(1));
        w.refresh_ok(sv.clone(), None);
        assert_expired(&w.validate().await, ExpiredCause::SvInvalid);
        assert_eq!(w.store.get(SID).unwrap().sv, Some(1), "{sv}");
    }
}

#[tokio::test]
async fn s17b_sv_regression_is_expired() {
    let w = World::new(Some(5));
    w.refresh_ok(json!(4), None);
    assert_expired(&w.validate().await, ExpiredCause::SvRegressed);
    let w = World::new(Some(2));
    w.cache.seed(&w.key(), 6);
    w.refresh_ok(json!(5), None);
    assert_expired(&w.validate().await, ExpiredCause::SvRegressed);
    assert_eq!(w.store.get(SID).unwrap().sv, Some(2));
}

#[tokio::test]
async fn s18_rotated_refresh_token_is_persisted_with_the_new_sv() {
    let w = World::new(Some(3));
    w.refresh_ok(json!(4), Some("rt-rotated"));
    let v = w.validate().await;
    assert!(matches!(v, Validation::Authenticated { sv: 4, .. }), "{v:?}");
    assert_eq!(w.effects(), path(&["persist sv=4 rotated", "record_cache sv=4 ttl=60", "find_session"]));
    let stored = w.store.get(SID).unwrap();
    assert_eq!(w.cipher.decrypt(stored.ciphertext.as_ref().unwrap()).unwrap().expose(), "rt-rotated");
    // The next refresh sends the rotated token, never the old one.
    w.cache.clear();
    w.pas.expect_refresh(
        Some("rt-rotated"),
        Ok(pas_core::TokenResponse::new(pas_core::testing::unsigned_access_token(&json!({ "sv": 4 })), None)),
    );
    assert!(matches!(w.validate().await, Validation::Authenticated { sv: 4, .. }));
    assert_eq!(w.pas.tokens_sent(), [RT, "rt-rotated"]);
}

#[tokio::test]
async fn s19_same_or_absent_refresh_token_persists_sv_only() {
    for returned in [None, Some(RT)] {
        let w = World::new(Some(3));
        let before = w.store.get(SID).unwrap().ciphertext;
        w.refresh_ok(json!(4), returned);
        assert!(matches!(w.validate().await, Validation::Authenticated { sv: 4, .. }));
        assert_eq!(w.effects(), path(&["persist sv=4", "record_cache sv=4 ttl=60", "find_session"]));
        assert_eq!(w.store.get(SID).unwrap().ciphertext, before);
    }
}

#[tokio::test]
async fn s21_store_error_on_first_lookup_or_refetch_is_returned() {
    let w = World::new(Some(3));
    w.store.set_faults(StoreFaults { fail_find_call: Some(1), ..Default::default() });
    let err = w.validator.validate(&w.store, Some(SID)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::StoreFailed);
    assert_eq!(w.effects(), ["find_session"]);

    let w = World::new(Some(3));
    w.store.set_faults(StoreFaults { fail_find_call: Some(2), ..Default::default() });
    w.refresh_ok(json!(4), None);
    let err = w.validator.validate(&w.store, Some(SID)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::StoreFailed);
    assert_eq!(w.effects(), path(&["persist sv=4", "record_cache sv=4 ttl=60", "find_session"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s22_concurrent_validations_of_one_stale_session_make_one_pas_call() {
    let w = Arc::new(World::new(Some(3)));
    w.pas.set_delay(Duration::from_millis(200));
    w.refresh_ok(json!(4), Some("rt-rotated"));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.validate().await })
        })
        .collect();
    for task in tasks {
        let v = task.await.unwrap();
        assert!(matches!(v, Validation::Authenticated { sv: 4, .. }), "{v:?}");
    }
    assert_eq!(w.pas.call_count(), 1);
    assert_eq!(w.pas.unexpected_calls(), 0);
    let stored = w.store.get(SID).unwrap();
    assert_eq!(w.cipher.decrypt(stored.ciphertext.as_ref().unwrap()).unwrap().expose(), "rt-rotated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s22b_concurrent_failures_are_shared_then_retried() {
    let w = Arc::new(World::new(Some(3)));
    w.pas.set_delay(Duration::from_millis(200));
    w.pas.refresh_fails(PasFailure::from_status(503, None, None));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let w = Arc::clone(&w);
            tokio::spawn(async move { w.validate().await })
        })
        .collect();
    for task in tasks {
        assert_expired(&task.await.unwrap(), ExpiredCause::PasUnavailable);
    }
    assert_eq!(w.pas.call_count(), 1);
    // A failure is not remembered: the next check asks PAS again.
    w.refresh_ok(json!(3), None);
    assert!(matches!(w.validate().await, Validation::Authenticated { sv: 3, .. }));
    assert_eq!(w.pas.call_count(), 2);
}

#[tokio::test]
async fn s23_no_cookie_and_unknown_session() {
    let w = World::new(Some(3));
    assert!(matches!(w.validator.validate(&w.store, None).await.unwrap(), Validation::NoCookie));
    assert!(matches!(w.validator.validate(&w.store, Some("")).await.unwrap(), Validation::NoCookie));
    assert!(w.effects().is_empty());
    let v = w.validator.validate(&w.store, Some("no-such-session")).await.unwrap();
    assert_expired(&v, ExpiredCause::SessionUnknown);
    assert_eq!(w.effects(), ["find_session"]);
}

#[tokio::test]
async fn second_validation_is_served_from_the_cache() {
    let w = World::new(Some(3));
    w.refresh_ok(json!(3), None);
    assert!(matches!(w.validate().await, Validation::Authenticated { refreshed: true, .. }));
    w.effects();
    assert!(matches!(w.validate().await, Validation::Authenticated { sv: 3, refreshed: false, .. }));
    assert_eq!(w.effects(), ["find_session", "load_cache"]);
    assert_eq!(w.pas.call_count(), 1);
}

#[tokio::test]
async fn break_glass_bump_forces_a_refresh_that_picks_up_the_new_sv() {
    let w = World::new(Some(3));
    w.cache.seed(&w.key(), 3);
    assert!(matches!(w.validate().await, Validation::Authenticated { refreshed: false, .. }));
    // PAS bumps sv to 4 and writes the shared cache.
    w.cache.seed(&w.key(), 4);
    w.refresh_ok(json!(4), None);
    assert!(matches!(w.validate().await, Validation::Authenticated { sv: 4, refreshed: true, .. }));
    // Then the refresh token is revoked and the account bumped again: Expired.
    w.cache.seed(&w.key(), 5);
    w.pas.refresh_fails(PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) });
    assert_expired(&w.validate().await, ExpiredCause::PasRejected);
}

#[tokio::test]
async fn a_check_holding_the_old_ciphertext_after_a_rotation_reuses_the_outcome() {
    let w = World::new(Some(3));
    let old = w.store.get(SID).unwrap().ciphertext.unwrap();
    w.refresh_ok(json!(4), Some("rt-rotated"));
    let first = w.validator.refresh_at_pas(SID, &old).await;
    // A second check that read the ciphertext before the first persisted must not send the old
    // (now dead) token again.
    let second = w.validator.refresh_at_pas(SID, &old).await;
    assert_eq!(first, second);
    assert_eq!(w.pas.call_count(), 1);
}

#[tokio::test]
async fn without_rotation_a_later_check_asks_pas_again() {
    let w = World::new(Some(3));
    let ct = w.store.get(SID).unwrap().ciphertext.unwrap();
    w.refresh_ok(json!(4), None);
    w.refresh_ok(json!(5), None);
    w.validator.refresh_at_pas(SID, &ct).await;
    let second = w.validator.refresh_at_pas(SID, &ct).await;
    assert!(matches!(
        second,
        pas_core::session::RefreshFeed::Refreshed { sv: pas_core::sv_claim::SvClaim::Value(5), .. }
    ));
    assert_eq!(w.pas.call_count(), 2);
}
