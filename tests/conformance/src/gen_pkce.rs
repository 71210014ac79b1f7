//! `pkce.json`: S256 challenges. The RFC 7636 Appendix B pair, verifiers drawn from a fixed seed
//! (challenges computed with the `sha2` crate, not pas-core) and verifiers RFC 7636 §4.1 refuses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::vectors::VectorFile;

const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// A small deterministic generator (xorshift64*), so the file never changes.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()))
}

fn ok(id: &str, verifier: &str, note: &str) -> Value {
    json!({"id": id, "note": note, "verifier": verifier, "expect": {"challenge": challenge(verifier), "error": null}})
}

fn refused(id: &str, verifier: &str, note: &str) -> Value {
    json!({"id": id, "note": note, "verifier": verifier, "expect": {"challenge": null, "error": "invalid_verifier"}})
}

pub fn file() -> Result<VectorFile, String> {
    let rfc = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    if challenge(rfc) != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
        return Err("sha2 disagrees with RFC 7636 Appendix B".into());
    }
    let mut cases = vec![ok("rfc7636-appendix-b", rfc, "RFC 7636 Appendix B")];
    let mut rng = Seeded::new(0x7636);
    for (i, len) in [43, 44, 64, 100, 127, 128, 64, 64, 50, 90].into_iter().enumerate() {
        let verifier: String = (0..len).map(|_| UNRESERVED[rng.below(UNRESERVED.len())] as char).collect();
        cases.push(ok(&format!("generated-{:02}-len-{len}", i + 1), &verifier, "drawn from the unreserved alphabet"));
    }
    cases.push(ok("all-unreserved-punctuation", &"-._~".repeat(11), "every non-alphanumeric unreserved character"));
    cases.push(refused("too-short-42", &"a".repeat(42), "RFC 7636 §4.1: 43 to 128 characters"));
    cases.push(refused("too-long-129", &"a".repeat(129), ""));
    cases.push(refused("empty", "", ""));
    cases.push(refused("plus-sign", &format!("{}+", "a".repeat(42)), "outside the unreserved alphabet"));
    cases.push(refused("slash", &format!("{}/", "a".repeat(42)), ""));
    cases.push(refused("space", &format!("{} ", "a".repeat(42)), ""));
    cases.push(refused("equals-padding", &format!("{}=", "a".repeat(42)), ""));
    cases.push(refused("non-ascii", &format!("{}é", "a".repeat(42)), ""));
    Ok(VectorFile::new("pkce", "PKCE S256 code challenges (RFC 7636)", cases))
}
