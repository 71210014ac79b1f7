//! Randomness (seeded or not), ids, Ed25519 signing keys and compact JWS.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// Crockford base32 alphabet (no I, L, O, U), as used by ULID.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Base64url without padding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 7636 S256 code challenge of a verifier.
pub fn s256_challenge(verifier: &str) -> String {
    b64(digest::digest(&digest::SHA256, verifier.as_bytes()))
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Encodes 16 bytes as a 26-character Crockford base32 ULID-shaped string.
pub fn ulid_like(bytes: &[u8; 16]) -> String {
    let v = u128::from_be_bytes(*bytes);
    (0..26)
        .map(|i| {
            let shift = 125 - 5 * i;
            let idx = ((v >> shift) & 31) as usize;
            char::from(CROCKFORD[idx])
        })
        .collect()
}

/// Stable account id derived from the account name (independent of `--seed`).
pub fn account_id_for(name: &str) -> String {
    let h = sha256(&[b"pas-devserver/account/", name.as_bytes()]);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    ulid_like(&b)
}

/// Source of random bytes: a deterministic SHA-256 counter stream when seeded,
/// the system CSPRNG otherwise.
pub struct IdSource {
    seed: Option<u64>,
    counter: u64,
}

impl fmt::Debug for IdSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdSource").field("seeded", &self.seed.is_some()).finish()
    }
}

impl IdSource {
    pub fn new(seed: Option<u64>) -> Self {
        Self { seed, counter: 0 }
    }

    pub fn bytes<const N: usize>(&mut self, label: &str) -> [u8; N] {
        let mut out = [0u8; N];
        self.counter += 1;
        let fill_seeded = |out: &mut [u8; N], seed: u64, counter: u64| {
            let mut off = 0usize;
            let mut block = 0u64;
            while off < N {
                let h = sha256(&[
                    b"pas-devserver/v1/",
                    &seed.to_be_bytes(),
                    label.as_bytes(),
                    &counter.to_be_bytes(),
                    &block.to_be_bytes(),
                ]);
                let n = (N - off).min(32);
                out[off..off + n].copy_from_slice(&h[..n]);
                off += n;
                block += 1;
            }
        };
        match self.seed {
            Some(seed) => fill_seeded(&mut out, seed, self.counter),
            None => {
                if aws_lc_rs::rand::fill(&mut out).is_err() {
                    // Extremely unlikely; fall back to a time-derived stream.
                    let t = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
                    fill_seeded(&mut out, t, self.counter);
                }
            }
        }
        out
    }

    /// An opaque 256-bit token, base64url.
    pub fn token(&mut self, label: &str) -> String {
        b64(self.bytes::<32>(label))
    }

    /// A ULID-shaped id.
    pub fn ulid(&mut self, label: &str) -> String {
        ulid_like(&self.bytes::<16>(label))
    }
}

/// One Ed25519 signing key with its JWK thumbprint as `kid`.
pub struct SigningKey {
    pub kid: String,
    pair: Ed25519KeyPair,
    public: Vec<u8>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish()
    }
}

impl SigningKey {
    pub fn from_seed(seed: &[u8; 32]) -> Result<Self, String> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| format!("ed25519 key from seed: {e}"))?;
        let public = pair.public_key().as_ref().to_vec();
        let x = b64(&public);
        // RFC 7638 / RFC 8037 thumbprint: members in lexicographic order.
        let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let kid = b64(digest::digest(&digest::SHA256, canonical.as_bytes()));
        Ok(Self { kid, pair, public })
    }

    pub fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": b64(&self.public),
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        })
    }

    /// Compact JWS with header `{"typ":typ,"alg":"EdDSA","kid":kid}`.
    pub fn sign_jwt(&self, typ: &str, claims: &Value) -> String {
        let header = json!({"typ": typ, "alg": "EdDSA", "kid": self.kid});
        let input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let sig = self.pair.sign(input.as_bytes());
        format!("{input}.{}", b64(sig.as_ref()))
    }

    fn verify(&self, input: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, &self.public).verify(input, sig).is_ok()
    }
}

/// Verifies a compact JWS against a set of keys; returns (header, claims).
pub fn verify_jwt(token: &str, keys: &[SigningKey]) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "EdDSA" {
        return None;
    }
    let kid = header.get("kid")?.as_str()?;
    let key = keys.iter().find(|k| k.kid == kid)?;
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let input = format!("{h}.{c}");
    if !key.verify(input.as_bytes(), &sig) {
        return None;
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    Some((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_shape() {
        let id = account_id_for("alice");
        assert_eq!(id.len(), 26);
        assert!(id.bytes().all(|b| CROCKFORD.contains(&b)));
        assert!(id.as_bytes()[0] <= b'7');
    }

    #[test]
    fn seeded_is_reproducible() {
        let mut a = IdSource::new(Some(7));
        let mut b = IdSource::new(Some(7));
        assert_eq!(a.token("x"), b.token("x"));
        assert_ne!(a.token("x"), IdSource::new(Some(8)).token("x"));
    }

    #[test]
    fn sign_verify_roundtrip() {
        let k = SigningKey::from_seed(&[1u8; 32]).unwrap();
        let t = k.sign_jwt("at+jwt", &json!({"a": 1}));
        let (h, c) = verify_jwt(&t, std::slice::from_ref(&k)).unwrap();
        assert_eq!(h["typ"], "at+jwt");
        assert_eq!(c["a"], 1);
        let mut bad = t.clone();
        bad.push('A');
        assert!(verify_jwt(&bad, &[k]).is_none());
    }

    #[test]
    fn rfc7636_example() {
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
