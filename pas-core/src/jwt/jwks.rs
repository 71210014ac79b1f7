//! JWKS parsing into a key set of pre-parsed aws-lc-rs public keys, and the cache TTL rule.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256,
    RsaPublicKeyComponents,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

use super::Algorithm;
use crate::error::{Error, ErrorCode};

/// TTL when the JWKS response has no `Cache-Control: max-age` (D8).
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(600);
/// Smallest TTL honoured (D8).
pub(crate) const MIN_TTL: Duration = Duration::from_secs(30);
/// Largest TTL honoured (D8).
pub(crate) const MAX_TTL: Duration = Duration::from_secs(24 * 3600);

const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 8192;

/// The verification key material of one JWK, parsed once.
enum Material {
    Ed25519(ParsedPublicKey),
    P256(ParsedPublicKey),
    Rsa { pkcs1: ParsedPublicKey, pss: ParsedPublicKey },
}

impl Material {
    fn key_for(&self, alg: Algorithm) -> Option<&ParsedPublicKey> {
        match (self, alg) {
            (Material::Ed25519(k), Algorithm::EdDSA) | (Material::P256(k), Algorithm::ES256) => Some(k),
            (Material::Rsa { pkcs1, .. }, Algorithm::RS256) => Some(pkcs1),
            (Material::Rsa { pss, .. }, Algorithm::PS256) => Some(pss),
            _ => None,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Material::Ed25519(_) => "OKP/Ed25519",
            Material::P256(_) => "EC/P-256",
            Material::Rsa { .. } => "RSA",
        }
    }
}

/// One usable key of a set.
pub(crate) struct KeyEntry {
    kid: Option<Box<str>>,
    /// The JWK's own `alg`, when it has one: the key is then pinned to it.
    jwk_alg: Option<Algorithm>,
    material: Material,
    /// Decoded public components, to tell identical duplicates from conflicting ones.
    fingerprint: Vec<u8>,
}

impl KeyEntry {
    /// The key to verify `alg` with, if this entry may be used for it.
    pub(crate) fn key_for(&self, alg: Algorithm) -> Option<&ParsedPublicKey> {
        if self.jwk_alg.is_some_and(|a| a != alg) {
            return None;
        }
        self.material.key_for(alg)
    }
}

impl fmt::Debug for KeyEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEntry")
            .field("kid", &self.kid)
            .field("alg", &self.jwk_alg)
            .field("kty", &self.material.kind())
            .finish()
    }
}

/// Why a key lookup failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LookupError {
    /// No key has this `kid` (or, without a `kid`, no single key fits the `alg`).
    Unknown,
    /// The key exists but cannot be used with the token's `alg`.
    AlgMismatch,
}

/// An immutable, parsed key set.
pub(crate) struct KeySet {
    entries: Vec<KeyEntry>,
    by_kid: HashMap<Box<str>, usize>,
    loaded_at: Instant,
    /// `None`: static keys, never stale.
    ttl: Option<Duration>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet").field("keys", &self.entries).field("ttl", &self.ttl).finish()
    }
}

impl KeySet {
    /// Parses a JWKS document. `ttl` is `None` for static keys.
    pub(crate) fn parse(json: &[u8], ttl: Option<Duration>) -> Result<KeySet, Error> {
        #[derive(Deserialize)]
        struct RawJwks {
            keys: Vec<RawJwk>,
        }
        let raw: RawJwks = serde_json::from_slice(json)
            .map_err(|_| Error::new(ErrorCode::JwksInvalid, "the JWKS is not a JSON object with a `keys` array"))?;

        let mut entries: Vec<KeyEntry> = Vec::with_capacity(raw.keys.len());
        let mut ambiguous: Vec<Box<str>> = Vec::new();
        for jwk in &raw.keys {
            let entry = match jwk.to_entry() {
                Ok(entry) => entry,
                Err(reason) => {
                    tracing::debug!(kid = jwk.kid_for_log(), reason, "JWKS key skipped");
                    continue;
                }
            };
            if let Some(kid) = &entry.kid
                && let Some(prev) = entries.iter().find(|e| e.kid.as_ref() == Some(kid))
            {
                let conflict = prev.fingerprint != entry.fingerprint || prev.jwk_alg != entry.jwk_alg;
                if conflict && !ambiguous.contains(kid) {
                    ambiguous.push(kid.clone());
                }
                continue;
            }
            entries.push(entry);
        }
        if !ambiguous.is_empty() {
            tracing::warn!(kids = ?ambiguous, "JWKS keys sharing a kid with different material dropped");
            entries.retain(|e| e.kid.as_ref().is_none_or(|k| !ambiguous.contains(k)));
        }
        if entries.is_empty() {
            return Err(Error::new(ErrorCode::JwksInvalid, "the JWKS holds no usable key"));
        }
        let by_kid = entries.iter().enumerate().filter_map(|(i, e)| e.kid.as_ref().map(|k| (k.clone(), i))).collect();
        Ok(KeySet { entries, by_kid, loaded_at: Instant::now(), ttl })
    }

    /// Finds the key for a token. With a `kid`, only that entry; without one, the single entry
    /// usable with `alg`.
    pub(crate) fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<&ParsedPublicKey, LookupError> {
        match kid {
            Some(kid) => {
                let idx = *self.by_kid.get(kid).ok_or(LookupError::Unknown)?;
                let entry = self.entries.get(idx).ok_or(LookupError::Unknown)?;
                entry.key_for(alg).ok_or(LookupError::AlgMismatch)
            }
            None => {
                let mut found = None;
                for entry in &self.entries {
                    if let Some(key) = entry.key_for(alg) {
                        if found.is_some() {
                            return Err(LookupError::Unknown);
                        }
                        found = Some(key);
                    }
                }
                found.ok_or(LookupError::Unknown)
            }
        }
    }

    /// The TTL has run out (static sets never go stale).
    pub(crate) fn is_stale(&self, now: Instant) -> bool {
        self.ttl.is_some_and(|ttl| now.saturating_duration_since(self.loaded_at) >= ttl)
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A JWK with every member loosely typed, so that an odd member skips the key rather than
/// failing the whole set. Duplicate known members still fail the set (serde derive).
#[derive(Deserialize)]
struct RawJwk {
    kty: Option<Value>,
    crv: Option<Value>,
    x: Option<Value>,
    y: Option<Value>,
    n: Option<Value>,
    e: Option<Value>,
    kid: Option<Value>,
    alg: Option<Value>,
    #[serde(rename = "use")]
    use_: Option<Value>,
    key_ops: Option<Value>,
}

fn str_member<'a>(v: Option<&'a Value>, missing: &'static str) -> Result<&'a str, &'static str> {
    v.and_then(Value::as_str).ok_or(missing)
}

fn b64_member(v: Option<&Value>, what: &'static str) -> Result<Vec<u8>, &'static str> {
    let s = str_member(v, what)?;
    URL_SAFE_NO_PAD.decode(s).map_err(|_| what)
}

impl RawJwk {
    fn kid_for_log(&self) -> Option<&str> {
        self.kid.as_ref().and_then(Value::as_str)
    }

    fn to_entry(&self) -> Result<KeyEntry, &'static str> {
        if let Some(u) = &self.use_
            && u.as_str() != Some("sig")
        {
            return Err("use is not sig");
        }
        if let Some(ops) = &self.key_ops {
            let verify = ops.as_array().is_some_and(|ops| ops.iter().any(|o| o.as_str() == Some("verify")));
            if !verify {
                return Err("key_ops without verify");
            }
        }
        let kid = match &self.kid {
            None => None,
            Some(Value::String(s)) => Some(s.clone().into_boxed_str()),
            Some(_) => return Err("kid is not a string"),
        };
        let jwk_alg = match &self.alg {
            None => None,
            Some(v) => Some(v.as_str().and_then(Algorithm::from_name).ok_or("alg is not a supported algorithm")?),
        };
        let kty = str_member(self.kty.as_ref(), "kty missing")?;
        let (material, fingerprint) = match kty {
            "OKP" => {
                if str_member(self.crv.as_ref(), "crv missing")? != "Ed25519" {
                    return Err("unsupported OKP curve");
                }
                let x = b64_member(self.x.as_ref(), "x invalid")?;
                if x.len() != 32 {
                    return Err("Ed25519 x is not 32 bytes");
                }
                let key = ParsedPublicKey::new(&ED25519, &x).map_err(|_| "invalid Ed25519 key")?;
                (Material::Ed25519(key), x)
            }
            "EC" => {
                if str_member(self.crv.as_ref(), "crv missing")? != "P-256" {
                    return Err("unsupported EC curve");
                }
                let x = b64_member(self.x.as_ref(), "x invalid")?;
                let y = b64_member(self.y.as_ref(), "y invalid")?;
                if x.len() != 32 || y.len() != 32 {
                    return Err("P-256 coordinates are not 32 bytes");
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                let key = ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point).map_err(|_| "invalid P-256 point")?;
                (Material::P256(key), point)
            }
            "RSA" => {
                let n = b64_member(self.n.as_ref(), "n invalid")?;
                let e = b64_member(self.e.as_ref(), "e invalid")?;
                let n = strip_leading_zeros(&n);
                let e = strip_leading_zeros(&e);
                let bits = bit_length(n);
                if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err("RSA modulus size outside 2048..=8192 bits");
                }
                if e.is_empty() || e.len() > 4 {
                    return Err("RSA exponent invalid");
                }
                let components = RsaPublicKeyComponents { n, e };
                let pkcs1 =
                    components.to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256).map_err(|_| "invalid RSA key")?;
                let pss = components.to_parsed_public_key(&RSA_PSS_2048_8192_SHA256).map_err(|_| "invalid RSA key")?;
                let mut fp = n.to_vec();
                fp.push(0);
                fp.extend_from_slice(e);
                (Material::Rsa { pkcs1, pss }, fp)
            }
            "oct" => return Err("symmetric key in a public key set"),
            _ => return Err("unsupported kty"),
        };
        let entry = KeyEntry { kid, jwk_alg, material, fingerprint };
        if let Some(alg) = jwk_alg
            && entry.material.key_for(alg).is_none()
        {
            return Err("alg does not fit the key type");
        }
        Ok(entry)
    }
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

fn bit_length(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(first) => (be.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
    }
}

/// The cache lifetime a JWKS response asks for: `max-age` clamped to 30 s .. 24 h, 10 min when
/// absent or unparsable, the 30 s minimum for `no-cache` / `no-store` without `max-age`.
pub(crate) fn ttl_from_cache_control<'a>(values: impl IntoIterator<Item = &'a str>) -> Duration {
    let mut no_cache = false;
    for value in values {
        for directive in value.split(',') {
            let directive = directive.trim();
            let (name, arg) = match directive.split_once('=') {
                Some((n, a)) => (n.trim(), Some(a.trim().trim_matches('"'))),
                None => (directive, None),
            };
            if name.eq_ignore_ascii_case("max-age") {
                if let Some(secs) = arg.and_then(|a| a.parse::<u64>().ok()) {
                    return clamp_ttl(Duration::from_secs(secs));
                }
            } else if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
                no_cache = true;
            }
        }
    }
    if no_cache { MIN_TTL } else { DEFAULT_TTL }
}

/// Clamps a TTL to 30 s .. 24 h (D8).
pub(crate) fn clamp_ttl(ttl: Duration) -> Duration {
    ttl.clamp(MIN_TTL, MAX_TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_bounds() {
        assert_eq!(clamp_ttl(Duration::ZERO), MIN_TTL);
        assert_eq!(clamp_ttl(Duration::from_secs(29)), MIN_TTL);
        assert_eq!(clamp_ttl(Duration::from_secs(30)), MIN_TTL);
        assert_eq!(clamp_ttl(Duration::from_secs(31)), Duration::from_secs(31));
        assert_eq!(clamp_ttl(Duration::from_secs(86_400)), MAX_TTL);
        assert_eq!(clamp_ttl(Duration::from_secs(86_401)), MAX_TTL);
        assert_eq!(clamp_ttl(Duration::from_secs(u64::MAX)), MAX_TTL);
    }

    #[test]
    fn cache_control_parsing() {
        assert_eq!(ttl_from_cache_control([]), DEFAULT_TTL);
        assert_eq!(ttl_from_cache_control(["public"]), DEFAULT_TTL);
        assert_eq!(ttl_from_cache_control(["public, max-age=300"]), Duration::from_secs(300));
        assert_eq!(ttl_from_cache_control(["MAX-AGE = \"120\""]), Duration::from_secs(120));
        assert_eq!(ttl_from_cache_control(["max-age=0"]), MIN_TTL);
        assert_eq!(ttl_from_cache_control(["max-age=5"]), MIN_TTL);
        assert_eq!(ttl_from_cache_control(["max-age=999999999"]), MAX_TTL);
        assert_eq!(ttl_from_cache_control(["max-age=99999999999999999999999"]), DEFAULT_TTL);
        assert_eq!(ttl_from_cache_control(["max-age=abc"]), DEFAULT_TTL);
        assert_eq!(ttl_from_cache_control(["no-store"]), MIN_TTL);
        assert_eq!(ttl_from_cache_control(["no-cache", "max-age=100"]), Duration::from_secs(100));
        assert_eq!(ttl_from_cache_control(["s-maxage=100"]), DEFAULT_TTL);
    }

    #[test]
    fn staleness() {
        let json = br#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        let ks = KeySet::parse(json, Some(Duration::from_secs(30))).unwrap_or_else(|e| {
            unreachable!("{e}");
        });
        assert!(!ks.is_stale(ks.loaded_at));
        assert!(!ks.is_stale(ks.loaded_at + Duration::from_secs(29)));
        assert!(ks.is_stale(ks.loaded_at + Duration::from_secs(30)));
        let fixed = KeySet::parse(json, None).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(!fixed.is_stale(fixed.loaded_at + Duration::from_secs(1_000_000)));
    }

    #[test]
    fn bit_length_works() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[1]), 1);
        assert_eq!(bit_length(&[0x80, 0]), 16);
        assert_eq!(strip_leading_zeros(&[0, 0, 1]), &[1]);
        assert_eq!(strip_leading_zeros(&[0, 0]), &[] as &[u8]);
    }
}
