//! AES-256-GCM encryption of refresh tokens at rest, with a key ring for rotation.
//!
//! Stored form (D13, upstream-compatible): `base64_standard(nonce[12] || ciphertext || tag[16])`,
//! no AAD, no version byte, so records written by `pas-external` still open. A fresh 96-bit nonce
//! is drawn from the OS CSPRNG (`getrandom`) for every seal: no user-space buffer that a forked
//! worker could share with its parent. The key ring encrypts with its primary key and decrypts by
//! trying the primary, then each older key, so operators can rotate keys without logging every
//! user out. AES-GCM is aws-lc's (the library that already checks pas's signatures); it wipes
//! each key schedule when it frees it, and pas zeroizes key bytes and plaintexts it handles.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore as _;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

use crate::error::{Error, ErrorCode};
use crate::secret::SecretString;

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Length of a refresh-token key in bytes (AES-256).
pub const KEY_LEN: usize = 32;

/// A refresh token as the host stores it: encrypted, base64. The only form in which pas hands a
/// refresh token to host code; the plaintext never crosses that boundary.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EncryptedRefreshToken(String);

impl EncryptedRefreshToken {
    /// Rehydrates a stored value (no validation: a bad value fails at decryption).
    #[must_use]
    pub fn from_stored(stored: impl Into<String>) -> Self {
        Self(stored.into())
    }

    /// The value to persist. Do not log it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value to persist, by value.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Debug for EncryptedRefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncryptedRefreshToken(<{} bytes>)", self.0.len())
    }
}

/// Seals and opens refresh tokens. Cheap to clone (the key schedules are shared).
#[derive(Clone)]
pub struct TokenCipher {
    /// Primary first, then older keys in the order given.
    keys: Arc<Vec<LessSafeKey>>,
}

impl fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCipher").field("keys", &self.keys.len()).finish_non_exhaustive()
    }
}

fn decode_key(key_b64: &str) -> Result<LessSafeKey, Error> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(key_b64.trim())
            .map_err(|_| Error::new(ErrorCode::KeyInvalid, "the key is not valid standard base64"))?,
    );
    if bytes.len() != KEY_LEN {
        return Err(Error::new(
            ErrorCode::KeyWrongLength,
            format!("the key must decode to 32 bytes, it decodes to {}", bytes.len()),
        ));
    }
    UnboundKey::new(&AES_256_GCM, &bytes)
        .map(LessSafeKey::new)
        .map_err(|_| Error::new(ErrorCode::KeyWrongLength, "the key must decode to 32 bytes"))
}

impl TokenCipher {
    /// A cipher with one key: standard base64 of 32 bytes, surrounding whitespace trimmed.
    ///
    /// # Errors
    /// `key_invalid` (not base64) or `key_wrong_length` (not 32 bytes).
    pub fn from_base64_key(key_b64: &str) -> Result<Self, Error> {
        Self::from_base64_keys::<&str>(key_b64, &[])
    }

    /// A key ring: `primary` encrypts; `primary` and then each of `previous` decrypt.
    ///
    /// # Errors
    /// `key_invalid` or `key_wrong_length` for the first bad key.
    pub fn from_base64_keys<S: AsRef<str>>(primary: &str, previous: &[S]) -> Result<Self, Error> {
        let mut keys = Vec::with_capacity(1 + previous.len());
        keys.push(decode_key(primary)?);
        for key in previous {
            keys.push(decode_key(key.as_ref())?);
        }
        Ok(Self { keys: Arc::new(keys) })
    }

    /// A fresh random key, base64 (for tests, examples and operators: `openssl rand -base64 32`
    /// does the same).
    #[must_use]
    pub fn generate_key() -> String {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut_slice());
        STANDARD.encode(key.as_slice())
    }

    /// Number of keys in the ring.
    #[must_use]
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Encrypts a refresh token with the primary key and a fresh nonce.
    ///
    /// # Errors
    /// `encrypt_failed` (never expected in practice).
    pub fn encrypt(&self, plaintext: &str) -> Result<EncryptedRefreshToken, Error> {
        let Some(primary) = self.keys.first() else {
            return Err(Error::new(ErrorCode::EncryptFailed, "the key ring is empty"));
        };
        let mut nonce = [0u8; NONCE_LEN];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|_| Error::new(ErrorCode::EncryptFailed, "the OS random number generator failed"))?;
        // nonce || plaintext, sealed in place, then || tag.
        let mut envelope = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        envelope.extend_from_slice(&nonce);
        envelope.extend_from_slice(plaintext.as_bytes());
        let sealed = primary.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut envelope[NONCE_LEN..],
        );
        let Ok(tag) = sealed else {
            zeroize::Zeroize::zeroize(&mut envelope); // the plaintext must not stay behind in freed memory
            return Err(Error::new(ErrorCode::EncryptFailed, "encryption failed"));
        };
        envelope.extend_from_slice(tag.as_ref());
        Ok(EncryptedRefreshToken(STANDARD.encode(&envelope)))
    }

    /// Decrypts a stored refresh token with the first key of the ring that authenticates it.
    ///
    /// # Errors
    /// `ciphertext_malformed` (not base64), `ciphertext_truncated` (shorter than nonce + tag),
    /// `decrypt_failed` (no key authenticates it, or the plaintext is not UTF-8).
    pub fn decrypt(&self, stored: &EncryptedRefreshToken) -> Result<SecretString, Error> {
        self.decrypt_str(stored.as_str())
    }

    /// As [`TokenCipher::decrypt`], from the stored string.
    ///
    /// # Errors
    /// As [`TokenCipher::decrypt`].
    pub fn decrypt_str(&self, stored: &str) -> Result<SecretString, Error> {
        let envelope = STANDARD
            .decode(stored)
            .map_err(|_| Error::new(ErrorCode::CiphertextMalformed, "the ciphertext is not valid base64"))?;
        if envelope.len() < NONCE_LEN + TAG_LEN {
            return Err(Error::new(
                ErrorCode::CiphertextTruncated,
                format!("the ciphertext has {} bytes, at least 28 are needed", envelope.len()),
            ));
        }
        let (nonce, sealed) = envelope.split_at(NONCE_LEN);
        let (ciphertext, tag) = sealed.split_at(sealed.len() - TAG_LEN);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(nonce);
        // Opened out of place, so every key of the ring reads the same ciphertext; the buffer is
        // wiped if no key authenticates it (a failed open may leave partial output).
        let mut plain = Zeroizing::new(vec![0u8; ciphertext.len()]);
        let opened = self.keys.iter().any(|key| {
            key.open_separate_gather(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::empty(),
                ciphertext,
                tag,
                &mut plain,
            )
            .is_ok()
        });
        if !opened {
            return Err(Error::new(ErrorCode::DecryptFailed, "no key in the ring authenticates the ciphertext"));
        }
        match String::from_utf8(std::mem::take(&mut *plain)) {
            Ok(text) => Ok(SecretString::new(text)),
            Err(err) => {
                zeroize::Zeroize::zeroize(&mut err.into_bytes());
                Err(Error::new(ErrorCode::DecryptFailed, "the plaintext is not UTF-8"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    #[test]
    fn round_trip_and_fresh_nonces() {
        let c = TokenCipher::from_base64_key(&key(1)).unwrap();
        let a = c.encrypt("rt-123").unwrap();
        let b = c.encrypt("rt-123").unwrap();
        assert_ne!(a, b);
        assert_eq!(c.decrypt(&a).unwrap().expose(), "rt-123");
        assert_eq!(c.decrypt(&c.encrypt("").unwrap()).unwrap().expose(), "");
    }

    #[test]
    fn key_rules() {
        assert!(TokenCipher::from_base64_key(&format!("  {}\n", key(1))).is_ok());
        assert_eq!(TokenCipher::from_base64_key("not base64!").unwrap_err().code(), ErrorCode::KeyInvalid);
        assert_eq!(
            TokenCipher::from_base64_key(&STANDARD.encode([0u8; 31])).unwrap_err().code(),
            ErrorCode::KeyWrongLength
        );
        assert_eq!(
            TokenCipher::from_base64_key(&STANDARD.encode([0u8; 33])).unwrap_err().code(),
            ErrorCode::KeyWrongLength
        );
    }

    #[test]
    fn tamper_truncate_wrong_key() {
        let c = TokenCipher::from_base64_key(&key(1)).unwrap();
        let ct = c.encrypt("rt-123").unwrap();
        let raw = STANDARD.decode(ct.as_str()).unwrap();
        for i in 0..raw.len() {
            for bit in 0..8 {
                let mut t = raw.clone();
                t[i] ^= 1 << bit;
                let err = c.decrypt_str(&STANDARD.encode(&t)).unwrap_err();
                assert_eq!(err.code(), ErrorCode::DecryptFailed, "byte {i} bit {bit}");
            }
        }
        for len in [0, 1, 12, 27] {
            let err = c.decrypt_str(&STANDARD.encode(&raw[..len])).unwrap_err();
            assert_eq!(err.code(), ErrorCode::CiphertextTruncated, "len {len}");
        }
        let err = c.decrypt_str(&STANDARD.encode(&raw[..raw.len() - 1])).unwrap_err();
        assert_eq!(err.code(), ErrorCode::DecryptFailed);
        assert_eq!(c.decrypt_str("%%%").unwrap_err().code(), ErrorCode::CiphertextMalformed);
        let other = TokenCipher::from_base64_key(&key(2)).unwrap();
        assert_eq!(other.decrypt(&ct).unwrap_err().code(), ErrorCode::DecryptFailed);
    }

    #[test]
    fn key_ring_rotation() {
        let old = TokenCipher::from_base64_key(&key(1)).unwrap();
        let sealed_old = old.encrypt("rt-old").unwrap();
        let ring = TokenCipher::from_base64_keys(&key(2), &[key(1)]).unwrap();
        assert_eq!(ring.key_count(), 2);
        assert_eq!(ring.decrypt(&sealed_old).unwrap().expose(), "rt-old");
        let sealed_new = ring.encrypt("rt-new").unwrap();
        let primary_only = TokenCipher::from_base64_key(&key(2)).unwrap();
        assert_eq!(primary_only.decrypt(&sealed_new).unwrap().expose(), "rt-new");
        assert_eq!(old.decrypt(&sealed_new).unwrap_err().code(), ErrorCode::DecryptFailed);
        let retired = TokenCipher::from_base64_key(&key(2)).unwrap();
        assert_eq!(retired.decrypt(&sealed_old).unwrap_err().code(), ErrorCode::DecryptFailed);
    }

    #[test]
    fn debug_shows_no_key_or_value() {
        let c = TokenCipher::from_base64_key(&key(7)).unwrap();
        assert!(!format!("{c:?}").contains(&key(7)));
        let ct = c.encrypt("rt").unwrap();
        assert!(!format!("{ct:?}").contains(ct.as_str()));
    }
}
