//! Throughput of the hot paths, printed as operations per second (criterion's `thrpt` line):
//! access-token verification (EdDSA, ES256, RS256, keys parsed once; for EdDSA also the bare
//! signature check, the floor under it), refresh-token seal/open of a
//! 64-byte token, and session validation on the cache-hit path.
//!
//! Run: `make bench` (or `cargo bench -p pas-core --bench throughput`). Not a test: no assertion
//! on time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a failed assertion is the point of a test

use std::hint::black_box;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::signature::{ED25519, ParsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pas_core::session::{SessionStore, SessionValidator, StoreError, SvAware, sv_cache_key};
use pas_core::testing::{ScriptedPas, TestSigner};
use pas_core::{Algorithm, EncryptedRefreshToken, TokenCipher, Verifier};

fn verify(c: &mut Criterion) {
    let claims = serde_json::json!({"iss":"https://pas.example","aud":"app","sub":"01HZX5K3M8Q4N7R2T6V9W0Y1Z2",
        "client_id":"app","jti":"j-1","iat":1_700_000_000u64,"exp":1_700_000_300u64,"sv":3,"scope":"openid profile"});
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    for alg in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256] {
        let signer = TestSigner::generate(alg, "k1").unwrap();
        let token = signer.sign(&claims).unwrap();
        let verifier = Verifier::builder("https://pas.example", "app")
            .algorithms(&[alg])
            .jwks_json(&TestSigner::jwks(&[&signer]))
            .build()
            .unwrap();
        verifier.verify_cached_at(&token, 1_700_000_100).unwrap();
        group.bench_function(alg.as_str(), |b| {
            b.iter(|| verifier.verify_cached_at(black_box(&token), 1_700_000_100).unwrap())
        });
        if alg == Algorithm::EdDSA {
            // The floor under `verify/EdDSA`: aws-lc's Ed25519 check alone on the same token, so
            // the cost of everything pas adds (parsing, claims, key lookup) is the difference.
            let jwks: serde_json::Value = serde_json::from_str(&TestSigner::jwks(&[&signer])).unwrap();
            let x = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["x"].as_str().unwrap()).unwrap();
            let key = ParsedPublicKey::new(&ED25519, &x).unwrap();
            let (signing_input, signature) = token.rsplit_once('.').unwrap();
            let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
            group.bench_function("EdDSA-signature-check-only", |b| {
                b.iter(|| key.verify_sig(black_box(signing_input.as_bytes()), &signature).unwrap())
            });
        }
    }
    group.finish();
}

fn cipher(c: &mut Criterion) {
    let cipher = TokenCipher::from_base64_key(&TokenCipher::generate_key()).unwrap();
    let token = "r".repeat(64);
    let sealed = cipher.encrypt(&token).unwrap();
    let mut group = c.benchmark_group("refresh_token_cipher");
    group.throughput(Throughput::Elements(1));
    group.bench_function("seal_64B", |b| b.iter(|| cipher.encrypt(black_box(&token)).unwrap()));
    group.bench_function("open_64B", |b| b.iter(|| cipher.decrypt(black_box(&sealed)).unwrap()));
    group.finish();
}

struct Session;

impl SvAware for Session {
    fn ppnum_id(&self) -> &str {
        "01HZX5K3M8Q4N7R2T6V9W0Y1Z2"
    }
    fn sv(&self) -> Option<i64> {
        Some(3)
    }
}

struct OneSessionStore;

#[async_trait]
impl SessionStore for OneSessionStore {
    type Session = Session;
    async fn find(&self, _: &str) -> Result<Option<Session>, StoreError> {
        Ok(Some(Session))
    }
    async fn refresh_ciphertext(&self, _: &str) -> Result<Option<EncryptedRefreshToken>, StoreError> {
        Ok(None)
    }
    async fn persist_refresh(&self, _: &str, _: i64, _: Option<&EncryptedRefreshToken>) -> Result<(), StoreError> {
        Ok(())
    }
}

fn session(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let validator = SessionValidator::builder(Arc::new(ScriptedPas::new())).build();
    rt.block_on(validator.cache().store(&sv_cache_key(Session.ppnum_id()), 3, pas_core::session::SV_CACHE_TTL))
        .unwrap();
    let store = OneSessionStore;
    let mut group = c.benchmark_group("session");
    group.throughput(Throughput::Elements(1));
    group.bench_function("validate_cache_hit", |b| {
        b.iter(|| rt.block_on(validator.validate(&store, Some(black_box("session-1")))).unwrap())
    });
    group.finish();
}

criterion_group!(benches, verify, cipher, session);
criterion_main!(benches);
