//! Access-token (RFC 9068) verification and the JWKS cache.
//!
//! The verifier is written directly on aws-lc-rs: every check and its [`ErrorCode`] is ours, and
//! public keys are parsed once, when a key set is loaded, never per verification.
//!
//! ```no_run
//! # async fn demo() -> Result<(), pas_core::Error> {
//! use pas_core::http::HttpOptions;
//! use pas_core::jwt::Verifier;
//!
//! let verifier = Verifier::builder("https://accounts.example.com", "my-client-id")
//!     .jwks_url("https://accounts.example.com/.well-known/jwks.json", HttpOptions::default())
//!     .build()?;
//! let token = verifier.verify("eyJ...").await?;
//! println!("{} {:?}", token.subject(), token.sv());
//! # Ok(()) }
//! ```
//!
//! # Rules (D8, D9, D14 and RFC 8725), in the order they are checked
//!
//! 1. Size: a token longer than `max_token_bytes` (default 8 KiB) → `token_too_large`, before
//!    anything else is looked at.
//! 2. Shape: exactly three non-empty segments separated by `.` → else `token_malformed`. Each
//!    segment is strict base64url (no padding, no `+` `/`, no whitespace, canonical trailing bits)
//!    → else `token_malformed`.
//! 3. Header: a JSON object without duplicate members (after unescaping) → else
//!    `token_malformed`. `crit` present (any value) → `header_invalid`. Under [`Profile::Pas`] any
//!    member other than `typ`, `alg`, `kid` → `header_invalid`; under [`Profile::Rfc9068`] other
//!    members are ignored. `jwk`, `jku`, `x5u`, `x5c`, `x5t` are never used for anything.
//! 4. `alg`: missing, not a string, `none` in any case, HMAC, anything outside the allow-list
//!    (default EdDSA only) → `alg_not_allowed`. Names are case-sensitive (RFC 7515).
//! 5. `typ` (when `require_typ`, the default): `at+jwt`, case-insensitive, optionally prefixed with
//!    `application/` → else (missing, non-string, `JWT`, ...) `typ_invalid`.
//! 6. `kid`: a non-string `kid` → `token_malformed` (it can never name a key, so no refetch).
//!    A string `kid` is only a map lookup. Without a `kid`, the single key of the set usable with
//!    the token's `alg` is used; none or several → `kid_unknown`.
//! 7. Key: no key set ever loaded → `jwks_unavailable`; unknown `kid` → `kid_unknown` (after at
//!    most one refetch per `min_refetch_interval` in [`Verifier::verify`]); the key cannot be used
//!    with `alg` (other key type, or the JWK's own `alg` differs) → `alg_not_allowed`.
//! 8. Signature: ES256 and EdDSA signatures must be exactly 64 bytes (raw `r‖s`, DER is refused);
//!    any failure → `signature_invalid`. Nothing in the payload is read before this succeeds.
//! 9. Payload: a JSON object without duplicate members → else `token_malformed` (this covers
//!    JSON nesting bombs, rejected by serde_json's recursion limit, and numbers such as `1e400`
//!    that do not fit a double). Unknown claims are accepted (D14).
//! 10. Claims, in this order: `iss` missing, not a string or not byte-equal to the expected
//!     issuer → `issuer_invalid`. `aud` missing, empty array, not a string / array of strings, or
//!     not containing the expected audience → `audience_invalid`. `exp`, `iat` missing →
//!     `claim_missing`; `exp`, `iat`, `nbf`, `sv` not a non-negative integer that fits `i64`
//!     (`"123"`, `1.5`, `-1`, `2^64`, `true`, `null`) → `claim_invalid`. Then time, with `leeway`
//!     (default 60 s, 0 to 300 s) and `now` in Unix seconds:
//!     * `exp + leeway <= now` → `token_expired` (so with leeway 0 a token is valid strictly
//!       before `exp`, as RFC 7519 §4.1.4 says);
//!     * `nbf > now + leeway` → `token_not_yet_valid`;
//!     * `iat > now + leeway` → `iat_in_future`;
//!     * `exp < iat` → `claim_invalid`; `exp - iat > 24 h` → `lifetime_too_long`.
//!
//!     Then `sub`, `client_id`, `jti` missing → `claim_missing`, not a non-empty string →
//!     `claim_invalid`; `sid`, `scope` present but not a string → `claim_invalid`. Under
//!     [`Profile::Pas`], `cat` must be the string `access` → else `category_invalid`.
//!
//! # Key sets (D8)
//!
//! `{"keys":[...]}` is parsed once. Usable keys: OKP/Ed25519 (`x`, 32 bytes), EC/P-256 (`x`, `y`,
//! 32 bytes each, point on the curve), RSA (`n`, `e`, modulus 2048 to 8192 bits, usable for RS256
//! and PS256). Skipped: `use` other than `sig`, `key_ops` without `verify`, `kty: oct` and other key
//! types, other curves, invalid points, small RSA, a JWK `alg` that is not one of the four or does
//! not fit the key type. Keys sharing a `kid` with *different* material or `alg` are ambiguous:
//! every key with that `kid` is dropped (identical duplicates are merged). A document with no usable
//! key is `jwks_invalid` (for a fetched set that is a failed fetch, and the previous set is kept).
//!
//! Fetched sets live for `Cache-Control: max-age` clamped to 30 s .. 24 h (10 min when absent;
//! `no-cache`/`no-store` without `max-age` count as the 30 s minimum). Fetching is lazy: the first
//! [`Verifier::verify`] (or [`Verifier::prefetch`]) loads the set. Every fetch attempt (first load,
//! expired TTL, unknown `kid`) is limited to one per `min_refetch_interval` (default 30 s) per
//! verifier, and concurrent callers share one fetch (single flight). A failed fetch keeps the
//! previous set (stale-on-failure) and is logged with `tracing::warn!` (never with a token).
//! When the TTL has expired and a fetch is already running, callers use the stale set instead of
//! waiting.
//!
//! [`ErrorCode`]: crate::error::ErrorCode

mod claims;
mod jwks;
mod token;
mod verifier;

pub use token::VerifiedToken;
pub use verifier::{Verifier, VerifierBuilder};

/// A JWS signature algorithm pas can verify. HMAC and `none` do not exist here, by design.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// Ed25519 (RFC 8037). The default, and the only algorithm PAS uses.
    EdDSA,
    /// ECDSA on P-256 with SHA-256, raw 64-byte `r‖s` signatures.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, modulus 2048 to 8192 bits.
    RS256,
    /// RSASSA-PSS with SHA-256, modulus 2048 to 8192 bits.
    PS256,
}

impl Algorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: &'static [Algorithm] = &[Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256, Algorithm::PS256];

    /// The JOSE name (`"EdDSA"`, `"ES256"`, `"RS256"`, `"PS256"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::PS256 => "PS256",
        }
    }

    /// Looks an algorithm up by its JOSE name. Case-sensitive, as RFC 7515 requires: `"es256"`,
    /// `"none"`, `"HS256"` give `None`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Algorithm> {
        match name {
            "EdDSA" => Some(Algorithm::EdDSA),
            "ES256" => Some(Algorithm::ES256),
            "RS256" => Some(Algorithm::RS256),
            "PS256" => Some(Algorithm::PS256),
            _ => None,
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Algorithm::EdDSA => 1,
            Algorithm::ES256 => 2,
            Algorithm::RS256 => 4,
            Algorithm::PS256 => 8,
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of allowed algorithms (a bit mask).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct AlgSet(u8);

impl AlgSet {
    pub(crate) const fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }
    pub(crate) fn insert(&mut self, alg: Algorithm) {
        self.0 |= alg.bit();
    }
    pub(crate) const fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub(crate) fn to_vec(self) -> Vec<Algorithm> {
        Algorithm::ALL.iter().copied().filter(|a| self.contains(*a)).collect()
    }
}

/// Which set of token rules applies (D14).
///
/// The builder default is [`Profile::Rfc9068`] (decision D14: forward compatible, works with any
/// RFC 9068 issuer); choose [`Profile::Pas`] to add PAS's header allow-list and `cat = access`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Profile {
    /// RFC 9068: required `iss`, `aud`, `exp`, `iat`, `sub`, `client_id`, `jti`; `typ` `at+jwt`;
    /// header members other than `alg`, `typ`, `kid`, `crit` are ignored.
    #[default]
    Rfc9068,
    /// RFC 9068 plus the PAS rules: the header may hold only `typ`, `alg`, `kid`, and the claim
    /// `cat` must equal `"access"`.
    Pas,
}

impl Profile {
    /// The stable name (`"rfc9068"`, `"pas"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Profile::Rfc9068 => "rfc9068",
            Profile::Pas => "pas",
        }
    }
}
