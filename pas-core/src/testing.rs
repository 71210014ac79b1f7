//! Test doubles for hosts' and pas's own tests: a scripted PAS, an in-memory session store, a
//! recording `sv` cache, and a shared log of the effects they see, in order.
//!
//! They are ordinary library code (no feature gate) so examples, binding test suites and users'
//! integration tests can use them too. None of them panics: an unexpected call is recorded and
//! answered with a failure, so a test sees it through its assertions.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::cipher::EncryptedRefreshToken;
use crate::error::ErrorCode;
use crate::pas_port::{PasFailure, PasPort, TokenResponse};
use crate::secret::SecretString;
use crate::session::{CacheError, MemorySvCache, SessionStore, StoreError, SvAware, SvCache};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An access token whose payload is `claims` and whose signature is a placeholder: enough for
/// the session path, which reads `sv` without verifying (D1). Never accepted by a verifier.
#[must_use]
pub fn unsigned_access_token(claims: &serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"EdDSA","typ":"at+jwt"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// The ordered list of effects the doubles saw, shared between them.
#[derive(Clone, Debug, Default)]
pub struct EffectLog(Arc<Mutex<Vec<String>>>);

impl EffectLog {
    /// A new, empty log.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry.
    pub fn push(&self, entry: impl Into<String>) {
        lock(&self.0).push(entry.into());
    }

    /// The entries so far.
    #[must_use]
    pub fn entries(&self) -> Vec<String> {
        lock(&self.0).clone()
    }

    /// Returns the entries and empties the log.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *lock(&self.0))
    }
}

struct Expectation {
    expected_token: Option<SecretString>,
    answer: Result<TokenResponse, PasFailure>,
}

/// A scripted PAS: each refresh pops the next scripted answer.
///
/// A call with nothing scripted is answered `pas_transport` and counted in
/// [`ScriptedPas::unexpected_calls`]; a call whose refresh token differs from the expected one is
/// answered `400 invalid_grant` (what PAS does with a token it does not know).
#[derive(Default)]
pub struct ScriptedPas {
    script: Mutex<VecDeque<Expectation>>,
    calls: Mutex<Vec<SecretString>>,
    unexpected: Mutex<usize>,
    delay: Mutex<Option<Duration>>,
    log: Option<EffectLog>,
}

impl std::fmt::Debug for ScriptedPas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptedPas").field("remaining", &self.remaining()).finish_non_exhaustive()
    }
}

impl ScriptedPas {
    /// A PAS with nothing scripted.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A PAS that writes `refresh_at_pas` to `log` on every call.
    #[must_use]
    pub fn with_log(log: EffectLog) -> Self {
        Self { log: Some(log), ..Self::default() }
    }

    /// Scripts the next answer; `expected_token` (when given) must be the refresh token sent.
    pub fn expect_refresh(&self, expected_token: Option<&str>, answer: Result<TokenResponse, PasFailure>) {
        lock(&self.script).push_back(Expectation { expected_token: expected_token.map(SecretString::from), answer });
    }

    /// Scripts a successful refresh whose access token carries `claims` (unsigned).
    pub fn refresh_ok(&self, claims: &serde_json::Value, refresh_token: Option<&str>) {
        let access = unsigned_access_token(claims);
        self.expect_refresh(None, Ok(TokenResponse::new(access, refresh_token.map(str::to_owned))));
    }

    /// Scripts a failed refresh.
    pub fn refresh_fails(&self, failure: PasFailure) {
        self.expect_refresh(None, Err(failure));
    }

    /// Makes every call wait this long before answering (concurrency tests).
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.delay) = Some(delay);
    }

    /// How many refresh calls were made.
    #[must_use]
    pub fn call_count(&self) -> usize {
        lock(&self.calls).len()
    }

    /// The refresh tokens sent, in order.
    #[must_use]
    pub fn tokens_sent(&self) -> Vec<String> {
        lock(&self.calls).iter().map(|t| t.expose().to_owned()).collect()
    }

    /// Scripted answers not yet consumed.
    #[must_use]
    pub fn remaining(&self) -> usize {
        lock(&self.script).len()
    }

    /// Calls made with nothing scripted.
    #[must_use]
    pub fn unexpected_calls(&self) -> usize {
        *lock(&self.unexpected)
    }
}

#[async_trait]
impl PasPort for ScriptedPas {
    async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenResponse, PasFailure> {
        if let Some(log) = &self.log {
            log.push("refresh_at_pas");
        }
        lock(&self.calls).push(refresh_token.clone());
        let delay = *lock(&self.delay);
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let next = lock(&self.script).pop_front();
        match next {
            None => {
                *lock(&self.unexpected) += 1;
                Err(PasFailure::Transport { code: ErrorCode::PasTransport, detail: "unexpected call".into() })
            }
            Some(Expectation { expected_token: Some(expected), .. }) if expected != *refresh_token => {
                Err(PasFailure::Rejected { status: 400, oauth_error: Some("invalid_grant".into()) })
            }
            Some(Expectation { answer, .. }) => answer,
        }
    }
}

/// A session as [`MemoryStore`] keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemorySession {
    /// The PAS account id.
    pub ppnum_id: String,
    /// The recorded session version.
    pub sv: Option<i64>,
    /// The encrypted refresh token.
    pub ciphertext: Option<EncryptedRefreshToken>,
}

impl SvAware for MemorySession {
    fn ppnum_id(&self) -> &str {
        &self.ppnum_id
    }

    fn sv(&self) -> Option<i64> {
        self.sv
    }
}

/// Failures a [`MemoryStore`] injects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreFaults {
    /// Fail the n-th `find` (1-based) of this store.
    pub fail_find_call: Option<usize>,
    /// Fail every ciphertext lookup.
    pub fail_ciphertext: bool,
    /// Fail every persist.
    pub fail_persist: bool,
    /// Delete the session right after a successful persist (logout race).
    pub vanish_after_persist: bool,
}

/// An in-memory session store with injectable failures, writing its effects to an [`EffectLog`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    sessions: Mutex<HashMap<String, MemorySession>>,
    faults: Mutex<StoreFaults>,
    finds: Mutex<usize>,
    log: EffectLog,
}

impl MemoryStore {
    /// An empty store writing to `log`.
    #[must_use]
    pub fn new(log: EffectLog) -> Self {
        Self { log, ..Self::default() }
    }

    /// Adds or replaces a session.
    pub fn insert(&self, session_id: &str, session: MemorySession) {
        lock(&self.sessions).insert(session_id.to_owned(), session);
    }

    /// Removes a session (logout).
    pub fn remove(&self, session_id: &str) {
        lock(&self.sessions).remove(session_id);
    }

    /// A copy of a session.
    #[must_use]
    pub fn get(&self, session_id: &str) -> Option<MemorySession> {
        lock(&self.sessions).get(session_id).cloned()
    }

    /// Sets the injected failures.
    pub fn set_faults(&self, faults: StoreFaults) {
        *lock(&self.faults) = faults;
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    type Session = MemorySession;

    async fn find(&self, session_id: &str) -> Result<Option<MemorySession>, StoreError> {
        self.log.push("find_session");
        let call = {
            let mut finds = lock(&self.finds);
            *finds += 1;
            *finds
        };
        if lock(&self.faults).fail_find_call == Some(call) {
            return Err(StoreError::new("injected find failure"));
        }
        Ok(self.get(session_id))
    }

    async fn refresh_ciphertext(&self, session_id: &str) -> Result<Option<EncryptedRefreshToken>, StoreError> {
        self.log.push("fetch_ciphertext");
        if lock(&self.faults).fail_ciphertext {
            return Err(StoreError::new("injected ciphertext failure"));
        }
        Ok(self.get(session_id).and_then(|s| s.ciphertext))
    }

    async fn persist_refresh(
        &self,
        session_id: &str,
        sv: i64,
        rotated_ciphertext: Option<&EncryptedRefreshToken>,
    ) -> Result<(), StoreError> {
        self.log.push(format!("persist sv={sv}{}", if rotated_ciphertext.is_some() { " rotated" } else { "" }));
        let faults = lock(&self.faults).clone();
        if faults.fail_persist {
            return Err(StoreError::new("injected persist failure"));
        }
        let mut sessions = lock(&self.sessions);
        if let Some(session) = sessions.get_mut(session_id) {
            session.sv = Some(sv);
            if let Some(ct) = rotated_ciphertext {
                session.ciphertext = Some(ct.clone());
            }
        }
        if faults.vanish_after_persist {
            sessions.remove(session_id);
        }
        Ok(())
    }
}

/// A memory `sv` cache that logs its calls and can fail loads.
#[derive(Debug, Default)]
pub struct RecordingCache {
    inner: MemorySvCache,
    fail_load: Mutex<bool>,
    log: EffectLog,
}

impl RecordingCache {
    /// An empty cache writing to `log`.
    #[must_use]
    pub fn new(log: EffectLog) -> Self {
        Self { log, ..Self::default() }
    }

    /// Seeds a value (no log entry).
    pub fn seed(&self, key: &str, sv: i64) {
        self.inner.set(key, sv, crate::session::SV_CACHE_TTL);
    }

    /// Reads a value (no log entry).
    #[must_use]
    pub fn peek(&self, key: &str) -> Option<i64> {
        self.inner.get(key)
    }

    /// Empties the cache (no log entry).
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Makes loads fail.
    pub fn set_fail_load(&self, fail: bool) {
        *lock(&self.fail_load) = fail;
    }
}

#[async_trait]
impl SvCache for RecordingCache {
    async fn load(&self, key: &str) -> Result<Option<i64>, CacheError> {
        self.log.push("load_cache");
        if *lock(&self.fail_load) {
            return Err(CacheError("injected load failure".into()));
        }
        self.inner.load(key).await
    }

    async fn store(&self, key: &str, sv: i64, ttl: Duration) -> Result<(), CacheError> {
        self.log.push(format!("record_cache sv={sv} ttl={}", ttl.as_secs()));
        self.inner.store(key, sv, ttl).await
    }
}

/// A key that signs access tokens for tests, benchmarks and binding test suites (EdDSA, ES256
/// or RS256), with its public JWK. Never use it outside tests.
pub struct TestSigner {
    kid: String,
    key: TestKey,
}

enum TestKey {
    Ed(aws_lc_rs::signature::Ed25519KeyPair),
    Ec(aws_lc_rs::signature::EcdsaKeyPair),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

impl std::fmt::Debug for TestSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestSigner").field("kid", &self.kid).field("alg", &self.alg()).finish_non_exhaustive()
    }
}

impl TestSigner {
    /// A fresh key for `alg` (`EdDSA`, `ES256` or `RS256`) under `kid`.
    ///
    /// # Errors
    /// `invalid_argument` for another algorithm; `internal` if key generation fails.
    pub fn generate(alg: crate::jwt::Algorithm, kid: &str) -> Result<Self, crate::Error> {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
        fn failed<E>(_: E) -> crate::Error {
            crate::Error::new(ErrorCode::Internal, "test key generation failed")
        }
        let key = match alg {
            crate::jwt::Algorithm::EdDSA => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(failed)?;
                TestKey::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(failed)?)
            }
            crate::jwt::Algorithm::ES256 => {
                let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                    .map_err(failed)?;
                TestKey::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).map_err(failed)?)
            }
            crate::jwt::Algorithm::RS256 => {
                TestKey::Rsa(aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(failed)?)
            }
            _ => return Err(crate::Error::new(ErrorCode::InvalidArgument, "TestSigner signs EdDSA, ES256 or RS256")),
        };
        Ok(Self { kid: kid.to_owned(), key })
    }

    /// The JWS `alg` this key signs with.
    #[must_use]
    pub fn alg(&self) -> &'static str {
        match self.key {
            TestKey::Ed(_) => "EdDSA",
            TestKey::Ec(_) => "ES256",
            TestKey::Rsa(_) => "RS256",
        }
    }

    /// The public JWK (with `kid`, `use: sig`, `alg`).
    #[must_use]
    pub fn jwk(&self) -> serde_json::Value {
        use aws_lc_rs::signature::KeyPair as _;
        let mut jwk = match &self.key {
            TestKey::Ed(k) => {
                serde_json::json!({"kty":"OKP","crv":"Ed25519","x":URL_SAFE_NO_PAD.encode(k.public_key())})
            }
            TestKey::Ec(k) => {
                let point = k.public_key().as_ref();
                let (x, y) = point.get(1..33).zip(point.get(33..65)).unwrap_or_default();
                serde_json::json!({"kty":"EC","crv":"P-256","x":URL_SAFE_NO_PAD.encode(x),"y":URL_SAFE_NO_PAD.encode(y)})
            }
            TestKey::Rsa(k) => {
                let public = k.public_key();
                serde_json::json!({"kty":"RSA",
                    "n":URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                    "e":URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero())})
            }
        };
        jwk["kid"] = serde_json::json!(self.kid);
        jwk["use"] = serde_json::json!("sig");
        jwk["alg"] = serde_json::json!(self.alg());
        jwk
    }

    /// A JWKS document holding these keys.
    #[must_use]
    pub fn jwks(signers: &[&TestSigner]) -> String {
        serde_json::json!({ "keys": signers.iter().map(|s| s.jwk()).collect::<Vec<_>>() }).to_string()
    }

    /// A compact JWS with header `{"typ":"at+jwt","alg":…,"kid":…}` and `claims` as payload.
    ///
    /// # Errors
    /// `internal` if signing fails.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, crate::Error> {
        let header = serde_json::json!({"typ":"at+jwt","alg":self.alg(),"kid":self.kid});
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let failed = |_| crate::Error::new(ErrorCode::Internal, "test signing failed");
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let signature = match &self.key {
            TestKey::Ed(k) => k.sign(input.as_bytes()).as_ref().to_vec(),
            TestKey::Ec(k) => k.sign(&rng, input.as_bytes()).map_err(failed)?.as_ref().to_vec(),
            TestKey::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig).map_err(failed)?;
                sig
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::{Algorithm, Verifier};

    #[test]
    fn signed_tokens_verify() {
        for alg in [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256] {
            let signer = TestSigner::generate(alg, "k1").unwrap();
            let claims = serde_json::json!({"iss":"https://pas","aud":"app","sub":"01HZ","client_id":"app",
                "jti":"j","iat":1_000,"exp":1_300,"sv":2});
            let verifier = Verifier::builder("https://pas", "app")
                .algorithms(&[alg])
                .jwks_json(&TestSigner::jwks(&[&signer]))
                .build()
                .unwrap();
            let verified = verifier.verify_cached_at(&signer.sign(&claims).unwrap(), 1_100).unwrap();
            assert_eq!(verified.sv(), Some(2));
        }
    }
}
