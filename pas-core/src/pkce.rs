//! PKCE (RFC 7636, S256 only) and OAuth `state` values.
//!
//! Verifiers are 64 characters from 48 CSPRNG bytes (pas-external's rule); caller-given verifiers
//! are accepted when they are 43-128 unreserved characters. `plain` is never produced (RFC 7636
//! §4.2, §7.2).

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

use crate::error::{Error, ErrorCode};
use crate::secret::SecretString;

/// Shortest verifier RFC 7636 allows.
pub const VERIFIER_MIN_LEN: usize = 43;
/// Longest verifier RFC 7636 allows.
pub const VERIFIER_MAX_LEN: usize = 128;
/// Length of a generated verifier (48 random bytes, base64url).
pub const GENERATED_VERIFIER_LEN: usize = 64;
/// Length of an S256 challenge (SHA-256, base64url).
pub const CHALLENGE_LEN: usize = 43;
/// Length of a generated state (16 random bytes, base64url).
pub const STATE_LEN: usize = 22;

fn random_b64url(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let out = URL_SAFE_NO_PAD.encode(&bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    out
}

/// A fresh code verifier: 48 CSPRNG bytes, base64url without padding (64 characters).
#[must_use]
pub fn generate_code_verifier() -> SecretString {
    SecretString::new(random_b64url(48))
}

/// A fresh `state`: 16 CSPRNG bytes, base64url without padding (22 characters, 128 bits).
#[must_use]
pub fn generate_state() -> String {
    random_b64url(16)
}

/// Checks a caller-given verifier: 43-128 characters from `[A-Za-z0-9-._~]`.
///
/// # Errors
/// `invalid_verifier` otherwise (the message names the rule, never the value).
pub fn validate_code_verifier(verifier: &str) -> Result<(), Error> {
    let len = verifier.len();
    if !(VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&len) {
        return Err(Error::new(
            ErrorCode::InvalidVerifier,
            format!("a code verifier has 43 to 128 characters, this one has {len}"),
        ));
    }
    if !verifier
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    {
        return Err(Error::new(
            ErrorCode::InvalidVerifier,
            "a code verifier may only contain A-Z a-z 0-9 - . _ ~",
        ));
    }
    Ok(())
}

/// The S256 challenge of a verifier: base64url(SHA-256(verifier)), 43 characters.
///
/// # Errors
/// `invalid_verifier` when the verifier breaks RFC 7636's rule.
pub fn code_challenge(verifier: &str) -> Result<String, Error> {
    validate_code_verifier(verifier)?;
    let hash = digest::digest(&digest::SHA256, verifier.as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(hash.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(
            code_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_values_have_the_documented_shape() {
        let v = generate_code_verifier();
        assert_eq!(v.len(), GENERATED_VERIFIER_LEN);
        validate_code_verifier(v.expose()).unwrap();
        assert_eq!(code_challenge(v.expose()).unwrap().len(), CHALLENGE_LEN);
        assert_ne!(generate_code_verifier(), v);
        let s = generate_state();
        assert_eq!(s.len(), STATE_LEN);
        assert_ne!(generate_state(), s);
    }

    #[test]
    fn challenge_is_deterministic_and_input_sensitive() {
        let a = "a".repeat(43);
        let b = "b".repeat(43);
        assert_eq!(code_challenge(&a).unwrap(), code_challenge(&a).unwrap());
        assert_ne!(code_challenge(&a).unwrap(), code_challenge(&b).unwrap());
    }

    #[test]
    fn verifier_rules() {
        assert!(validate_code_verifier(&"a".repeat(42)).is_err());
        assert!(validate_code_verifier(&"a".repeat(43)).is_ok());
        assert!(validate_code_verifier(&"a".repeat(128)).is_ok());
        assert!(validate_code_verifier(&"a".repeat(129)).is_err());
        assert!(validate_code_verifier(&format!("{}+", "a".repeat(42))).is_err());
        assert!(validate_code_verifier(&format!("{}~._-", "a".repeat(40))).is_ok());
        let err = code_challenge(&"é".repeat(30)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidVerifier);
    }

    #[test]
    fn many_verifiers_are_distinct() {
        let set: std::collections::HashSet<String> = (0..10_000)
            .map(|_| generate_code_verifier().expose().to_owned())
            .collect();
        assert_eq!(set.len(), 10_000);
    }
}
