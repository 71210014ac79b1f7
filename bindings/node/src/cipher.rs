//! `TokenCipher`: AES-256-GCM sealing of refresh tokens at rest, with a key ring for rotation.

use napi::JsString;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::guard;

/// Seals and opens refresh tokens (AES-256-GCM, fresh 96-bit nonce per seal, stored form
/// `base64(nonce || ciphertext || tag)`). The first key encrypts; every key decrypts, so keys
/// can be rotated without logging users out. Synchronous and cheap: no thread hop.
///
/// The keys never leave Rust: `util.inspect(cipher)` shows only `TokenCipher {}`.
#[napi]
#[derive(Debug)]
pub struct TokenCipher {
    pub(crate) inner: pas_core::TokenCipher,
}

#[napi]
impl TokenCipher {
    /// A key ring: `primaryKey` encrypts; it and then each of `previousKeys` decrypt. Keys are
    /// standard base64 of 32 bytes (`openssl rand -base64 32`); surrounding whitespace is trimmed.
    ///
    /// Throws `key_invalid` (not base64) or `key_wrong_length` (not 32 bytes).
    #[napi(constructor, catch_unwind)]
    pub fn new(env: &Env, primary_key: String, previous_keys: Option<Vec<String>>) -> Result<Self> {
        guard(env, || {
            let previous = previous_keys.unwrap_or_default();
            Ok(Self { inner: pas_core::TokenCipher::from_base64_keys(&primary_key, &previous)? })
        })
    }

    /// A fresh random key (standard base64 of 32 bytes from the OS CSPRNG).
    #[napi(catch_unwind)]
    pub fn generate_key() -> String {
        pas_core::TokenCipher::generate_key()
    }

    /// How many keys the ring holds.
    #[napi(getter, catch_unwind)]
    pub fn key_count(&self) -> u32 {
        u32::try_from(self.inner.key_count()).unwrap_or(u32::MAX)
    }

    /// Seals `plaintext` (a refresh token) with the primary key; returns the base64 to store.
    #[napi(catch_unwind)]
    pub fn encrypt(&self, env: &Env, plaintext: String) -> Result<String> {
        seal(env, &self.inner, &plaintext)
    }

    /// Opens a stored value with the first key that authenticates it.
    ///
    /// Throws `ciphertext_malformed` (not base64), `ciphertext_truncated` (shorter than nonce plus
    /// tag) or `decrypt_failed` (no key opens it, tampering, or not UTF-8).
    ///
    /// The plaintext goes from the core's zeroizing buffer straight into the JS string, with no
    /// intermediate Rust copy left behind in freed memory.
    #[napi(catch_unwind, ts_return_type = "string")]
    pub fn decrypt<'env>(&self, env: &'env Env, ciphertext: String) -> Result<JsString<'env>> {
        open(env, &self.inner, &ciphertext)
    }

    /// The handle that `index.js` caches on the instance for the hot paths below. Internal.
    #[napi(skip_typescript, catch_unwind)]
    pub fn fast_handle(&self) -> CipherHandle {
        External::new(self.inner.clone())
    }
}

/// The core cipher as a bare N-API external. napi-rs keeps a ledger of every call on a class
/// instance (a global mutex and hash map of borrows, about 0.1 µs a call, as much as AES-GCM on
/// a token), so `index.js` routes `encrypt` and `decrypt` through the free functions below, on a
/// handle made once per instance. Same core call, same errors.
pub type CipherHandle = External<pas_core::TokenCipher>;

/// `TokenCipher.prototype.encrypt` on a handle. Internal (see [`CipherHandle`]).
#[napi(skip_typescript, catch_unwind)]
pub fn token_cipher_encrypt(env: &Env, cipher: &CipherHandle, plaintext: String) -> Result<String> {
    seal(env, cipher, &plaintext)
}

/// `TokenCipher.prototype.decrypt` on a handle. Internal (see [`CipherHandle`]).
#[napi(skip_typescript, catch_unwind)]
pub fn token_cipher_decrypt<'env>(env: &'env Env, cipher: &CipherHandle, ciphertext: String) -> Result<JsString<'env>> {
    open(env, cipher, &ciphertext)
}

fn seal(env: &Env, cipher: &pas_core::TokenCipher, plaintext: &str) -> Result<String> {
    guard(env, || Ok(cipher.encrypt(plaintext)?.into_inner()))
}

fn open<'env>(env: &'env Env, cipher: &pas_core::TokenCipher, ciphertext: &str) -> Result<JsString<'env>> {
    let plaintext = guard(env, || cipher.decrypt_str(ciphertext))?;
    env.create_string(plaintext.expose())
}
