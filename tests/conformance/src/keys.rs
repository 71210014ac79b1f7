//! Fixed test keys, so the generator writes the same tokens every time.
//!
//! Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic; ES256 is signed with `p256`'s
//! RFC 6979 deterministic nonces (aws-lc signs ECDSA with random nonces). These keys are public
//! test material: never use them anywhere else.

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use p256::ecdsa::signature::Signer as _;
use serde_json::{Value, json};

/// A 2048-bit RSA key (PKCS#1 DER, base64) generated once with `openssl genpkey` for these vectors.
const RSA_PKCS1_B64: &str = include_str!("rs256-test-key.pkcs1.b64");

pub fn b64url(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

enum Key {
    Ed(Ed25519KeyPair),
    Ec(p256::ecdsa::SigningKey),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

/// A signing key with its `kid`.
pub struct Signer {
    pub kid: &'static str,
    key: Key,
}

impl Signer {
    /// Ed25519 from a 32-byte seed filled with `seed`.
    pub fn ed25519(kid: &'static str, seed: u8) -> Result<Self, String> {
        let key = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).map_err(|e| format!("Ed25519 test key: {e}"))?;
        Ok(Self { kid, key: Key::Ed(key) })
    }

    /// P-256 from a scalar filled with `byte`.
    pub fn p256(kid: &'static str, byte: u8) -> Result<Self, String> {
        let key = p256::ecdsa::SigningKey::from_bytes(&[byte; 32].into()).map_err(|e| e.to_string())?;
        Ok(Self { kid, key: Key::Ec(key) })
    }

    /// The fixed RSA key.
    pub fn rsa(kid: &'static str) -> Result<Self, String> {
        let der = STANDARD.decode(RSA_PKCS1_B64.trim()).map_err(|e| e.to_string())?;
        let key = aws_lc_rs::rsa::KeyPair::from_der(&der).map_err(|e| format!("the RSA test key: {e}"))?;
        Ok(Self { kid, key: Key::Rsa(key) })
    }

    pub fn alg(&self) -> &'static str {
        match self.key {
            Key::Ed(_) => "EdDSA",
            Key::Ec(_) => "ES256",
            Key::Rsa(_) => "RS256",
        }
    }

    /// The public JWK with `kid`, `use` and `alg`.
    pub fn jwk(&self) -> Value {
        let mut jwk = match &self.key {
            Key::Ed(k) => json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(k.public_key())}),
            Key::Ec(k) => {
                let point = k.verifying_key().to_encoded_point(false);
                json!({"kty": "EC", "crv": "P-256",
                       "x": b64url(point.x().map(|x| x.to_vec()).unwrap_or_default()),
                       "y": b64url(point.y().map(|y| y.to_vec()).unwrap_or_default())})
            }
            Key::Rsa(k) => {
                let public = k.public_key();
                json!({"kty": "RSA", "n": b64url(public.modulus().big_endian_without_leading_zero()),
                       "e": b64url(public.exponent().big_endian_without_leading_zero())})
            }
        };
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk["alg"] = json!(self.alg());
        jwk
    }

    /// The raw signature over `input`.
    pub fn signature(&self, input: &[u8]) -> Result<Vec<u8>, String> {
        Ok(match &self.key {
            Key::Ed(k) => k.sign(input).as_ref().to_vec(),
            Key::Ec(k) => {
                let signature: p256::ecdsa::Signature = k.sign(input);
                signature.to_bytes().to_vec()
            }
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                let rng = aws_lc_rs::rand::SystemRandom::new();
                k.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, input, &mut sig).map_err(|e| e.to_string())?;
                sig
            }
        })
    }

    /// A compact JWS over the exact header and payload texts.
    pub fn sign_raw(&self, header: &str, payload: &str) -> Result<String, String> {
        let input = format!("{}.{}", b64url(header), b64url(payload));
        let signature = self.signature(input.as_bytes())?;
        Ok(format!("{input}.{}", b64url(signature)))
    }

    /// A compact JWS with the usual header (`typ`, `alg`, `kid`) over `claims`.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        self.sign_raw(&self.header().to_string(), &claims.to_string())
    }

    pub fn header(&self) -> Value {
        json!({"typ": "at+jwt", "alg": self.alg(), "kid": self.kid})
    }
}

/// A JWKS text holding `jwks`.
pub fn jwks(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}
