//! `jwt.json`: valid tokens and one or more rows per attack of security-testing.md §2.1–2.3,
//! signed with the fixed keys of [`crate::keys`] and checked at a fixed clock.
//!
//! Every expected code is written here by hand from the catalogue; `generate` then refuses to
//! finish if pas-core answers anything else.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::keys::{Signer, b64url, jwks};
use crate::vectors::VectorFile;

/// 2026-01-01T00:00:00Z.
pub const NOW: u64 = 1_767_225_600;
const ISS: &str = "https://pas.example";
const AUD: &str = "urn:pas:api";
const SUB: &str = "01HZX5K3M8Q4N7R2T6V9W0Y1Z2";

fn claims() -> Value {
    json!({"iss": ISS, "aud": AUD, "sub": SUB, "client_id": "app-web", "jti": "jti-0001",
           "iat": NOW - 60, "exp": NOW + 840, "sv": 3, "sid": "sid-1", "scope": "openid profile"})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    if let Some(map) = base.as_object_mut() {
        map.remove(key);
    }
    base
}

fn valid(signer: &Signer, claims: &Value) -> Value {
    json!({"valid": {"sub": claims["sub"], "sv": claims.get("sv").filter(|v| v.is_i64()).cloned(),
                     "client_id": claims["client_id"], "jti": claims["jti"], "exp": claims["exp"],
                     "alg": signer.alg(), "kid": signer.kid}, "error": null})
}

fn error(code: &str) -> Value {
    json!({"valid": null, "error": code})
}

fn verifier(algorithms: &[&str], leeway: u64, profile: &str, jwks: &str) -> Value {
    json!({"issuer": ISS, "audience": AUD, "algorithms": algorithms, "leeway_s": leeway, "profile": profile,
           "jwks": jwks})
}

/// The rows, in file order.
struct Cases(Vec<Value>);

impl Cases {
    fn push(&mut self, id: &str, attack: Option<&str>, verifier: &str, token: String, expect: Value, note: &str) {
        self.0.push(json!({"id": id, "attack": attack, "note": note, "verifier": verifier, "now": NOW,
                           "token": token, "expect": expect}));
    }
}

fn hmac_token(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64url(header.to_string()), b64url(claims.to_string()));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    format!("{input}.{}", b64url(aws_lc_rs::hmac::sign(&key, input.as_bytes())))
}

fn unsigned(header: &str, payload: &str, signature: &str) -> String {
    format!("{}.{}.{signature}", b64url(header), b64url(payload))
}

/// Replaces the signature segment of `token`.
fn resign(token: &str, signature: &[u8]) -> String {
    let input = token.rsplit_once('.').map(|(input, _)| input).unwrap_or(token);
    format!("{input}.{}", b64url(signature))
}

/// The fixed signing keys of this file.
struct Keys {
    k1: Signer,
    k2: Signer,
    retired: Signer,
    attacker: Signer,
    e1: Signer,
    r1: Signer,
}

impl Keys {
    fn new() -> Result<Self, String> {
        Ok(Self {
            k1: Signer::ed25519("k1", 0x11)?,
            k2: Signer::ed25519("k2", 0x12)?,
            retired: Signer::ed25519("k0-retired", 0x10)?,
            attacker: Signer::ed25519("k1", 0x66)?,
            e1: Signer::p256("e1", 0x22)?,
            r1: Signer::rsa("r1")?,
        })
    }
}

pub fn file() -> Result<VectorFile, String> {
    let keys = Keys::new()?;
    let mut cases = Cases(Vec::new());
    valid_cases(&mut cases, &keys)?;
    structure_cases(&mut cases, &keys)?;
    key_set_cases(&mut cases, &keys)?;
    claim_cases(&mut cases, &keys)?;
    let mut file = VectorFile::new(
        "jwt",
        "Access-token verification (RFC 9068) with fixed keys and a fixed clock: valid tokens and the attacks of security-testing.md §2.1-2.3",
        cases.0,
    );
    file.extra.push(("verifiers", Value::Object(verifiers(&keys))));
    Ok(file)
}

/// The verifier configurations the rows name (a static key set each).
fn verifiers(keys: &Keys) -> serde_json::Map<String, Value> {
    let (k1, k2, e1, r1) = (&keys.k1, &keys.k2, &keys.e1, &keys.r1);
    let ed_jwks = jwks(&[k1.jwk(), k2.jwk()]);
    let mut verifiers = serde_json::Map::new();
    let mut add = |name: &str, config: Value| {
        verifiers.insert(name.to_owned(), config);
    };
    add("eddsa", verifier(&["EdDSA"], 60, "rfc9068", &ed_jwks));
    add("pas", verifier(&["EdDSA"], 60, "pas", &ed_jwks));
    add("es256", verifier(&["ES256"], 60, "rfc9068", &jwks(&[e1.jwk()])));
    add("rs256", verifier(&["RS256"], 60, "rfc9068", &jwks(&[r1.jwk()])));
    add("multi", verifier(&["EdDSA", "ES256", "RS256"], 60, "rfc9068", &jwks(&[k1.jwk(), e1.jwk(), r1.jwk()])));
    add("leeway0", verifier(&["EdDSA"], 0, "rfc9068", &ed_jwks));
    add("leeway300", verifier(&["EdDSA"], 300, "rfc9068", &ed_jwks));
    add("leeway301", verifier(&["EdDSA"], 301, "rfc9068", &ed_jwks));
    add("rfc7515-a3", verifier(&["ES256"], 60, "rfc9068", &jwks(&[rfc7515_a3_jwk()])));
    add("jwks-keys-not-array", verifier(&["EdDSA"], 60, "rfc9068", r#"{"keys": "x"}"#));
    add("jwks-html", verifier(&["EdDSA"], 60, "rfc9068", "<html><body>502 Bad Gateway</body></html>"));
    add("jwks-empty", verifier(&["EdDSA"], 60, "rfc9068", r#"{"keys": []}"#));
    let mut dup = k2.jwk();
    dup["kid"] = json!("k1");
    // K06: each set holds one unusable key next to k2, which must still load.
    let enc_key = with(k1.jwk(), "use", json!("enc"));
    add("jwks-duplicate-kid", verifier(&["EdDSA"], 60, "rfc9068", &jwks(&[k1.jwk(), dup, k2.jwk()])));
    add("jwks-use-enc", verifier(&["EdDSA"], 60, "rfc9068", &jwks(&[enc_key.clone(), k2.jwk()])));
    add("jwks-only-enc", verifier(&["EdDSA"], 60, "rfc9068", &jwks(&[enc_key])));
    let sign_only = with(without(k1.jwk(), "use"), "key_ops", json!(["sign"]));
    add("jwks-key-ops-sign-only", verifier(&["EdDSA"], 60, "rfc9068", &jwks(&[sign_only, k2.jwk()])));
    add("jwks-rsa-1024", verifier(&["RS256", "EdDSA"], 60, "rfc9068", &jwks(&[rsa_1024_jwk(), k2.jwk()])));
    let mut off_curve = e1.jwk();
    off_curve["y"] = json!(b64url([0x01u8; 32]));
    add("jwks-ec-off-curve", verifier(&["ES256", "EdDSA"], 60, "rfc9068", &jwks(&[off_curve, k2.jwk()])));
    let oct =
        json!({"kty": "oct", "kid": "h1", "k": b64url(b"a shared secret that must never verify"), "alg": "HS256"});
    add("jwks-oct", verifier(&["EdDSA", "ES256"], 60, "rfc9068", &jwks(&[oct, k1.jwk(), e1.jwk()])));
    verifiers
}

/// Tokens that verify.
fn valid_cases(t: &mut Cases, keys: &Keys) -> Result<(), String> {
    let (k1, e1, r1) = (&keys.k1, &keys.e1, &keys.r1);
    let c = claims();
    t.push("valid-eddsa", None, "eddsa", k1.sign(&c)?, valid(k1, &c), "a PAS access token");
    t.push("valid-es256", None, "es256", e1.sign(&c)?, valid(e1, &c), "ES256 when allowed");
    t.push("valid-rs256", None, "rs256", r1.sign(&c)?, valid(r1, &c), "RS256 when allowed");
    let pas_claims = with(c.clone(), "cat", json!("access"));
    t.push("valid-pas-profile", None, "pas", k1.sign(&pas_claims)?, valid(k1, &pas_claims), "cat=access");
    let no_sv = without(c.clone(), "sv");
    t.push("valid-without-sv", None, "eddsa", k1.sign(&no_sv)?, valid(k1, &no_sv), "sv is read on the session path");
    Ok(())
}

/// security-testing §2.1: JWS structure and algorithm.
fn structure_cases(t: &mut Cases, keys: &Keys) -> Result<(), String> {
    let (k1, attacker, e1, r1) = (&keys.k1, &keys.attacker, &keys.e1, &keys.r1);
    let c = claims();
    let body = c.to_string();
    for (id, alg, sig) in [
        ("J01-alg-none-empty-signature", "none", ""),
        ("J01-alg-none-with-signature", "none", "c2lnbmF0dXJl"),
        ("J01-alg-None", "None", ""),
        ("J01-alg-NONE", "NONE", "c2lnbmF0dXJl"),
        ("J01-alg-nOnE", "nOnE", "c2lnbmF0dXJl"),
    ] {
        let header = json!({"typ": "at+jwt", "alg": alg, "kid": "k1"}).to_string();
        let (expect, note) = if sig.is_empty() {
            ("token_malformed", "an empty signature fails the structure check, before the header is read")
        } else {
            ("alg_not_allowed", "unsecured JWS")
        };
        t.push(id, Some("J01"), "eddsa", unsigned(&header, &body, sig), error(expect), note);
    }
    let hs = json!({"typ": "at+jwt", "alg": "HS256", "kid": "e1"});
    let e1_point = e1.jwk();
    let rsa_n = r1.jwk()["n"].as_str().unwrap_or_default().to_owned();
    for (id, secret, note) in [
        ("J02-hs256-keyed-with-jwk-json", e1_point.to_string().into_bytes(), "HMAC keyed with the public JWK"),
        ("J02-hs256-keyed-with-x-coordinate", e1_point["x"].to_string().into_bytes(), "HMAC keyed with x"),
        ("J02-hs256-keyed-with-rsa-n", rsa_n.clone().into_bytes(), "HMAC keyed with the RSA modulus"),
        ("J02-hs256-keyed-with-pem-text", pem_of(&e1_point).into_bytes(), "HMAC keyed with a PEM-looking text"),
    ] {
        t.push(id, Some("J02"), "multi", hmac_token(&hs, &c, &secret), error("alg_not_allowed"), note);
    }
    let es384 = json!({"typ": "at+jwt", "alg": "ES384", "kid": "e1"}).to_string();
    t.push(
        "J03-es384-when-es256-allowed",
        Some("J03"),
        "es256",
        e1.sign_raw(&es384, &body)?,
        error("alg_not_allowed"),
        "",
    );
    t.push("J03-es256-at-eddsa-default", Some("J03"), "eddsa", e1.sign(&c)?, error("alg_not_allowed"), "");
    for (id, alg) in [
        ("unknown", json!("XYZ256")),
        ("lowercase", json!("eddsa")),
        ("number", json!(1)),
        ("array", json!(["EdDSA"])),
        ("null", Value::Null),
    ] {
        let header = json!({"typ": "at+jwt", "alg": alg, "kid": "k1"}).to_string();
        t.push(
            &format!("J03-alg-{id}"),
            Some("J03"),
            "eddsa",
            k1.sign_raw(&header, &body)?,
            error("alg_not_allowed"),
            "only the allowed algorithm names pass",
        );
    }
    let header = json!({"typ": "at+jwt", "kid": "k1"}).to_string();
    t.push("J03-alg-missing", Some("J03"), "eddsa", k1.sign_raw(&header, &body)?, error("alg_not_allowed"), "");
    let header = json!({"typ": "at+jwt", "alg": "ES256", "kid": "r1"}).to_string();
    t.push(
        "J04-es256-header-rsa-key",
        Some("J04"),
        "multi",
        e1.sign_raw(&header, &body)?,
        error("alg_not_allowed"),
        "the JWK's alg (RS256) and kty disagree with the header",
    );
    let header = json!({"typ": "at+jwt", "alg": "EdDSA", "kid": "e1"}).to_string();
    t.push(
        "J04-eddsa-header-p256-key",
        Some("J04"),
        "multi",
        k1.sign_raw(&header, &body)?,
        error("alg_not_allowed"),
        "",
    );
    let good = k1.sign(&c)?;
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    for (id, token) in [
        ("two-parts", format!("{h}.{p}")),
        ("four-parts", format!("{h}.{p}.{s}.{s}")),
        ("five-parts", format!("{h}.{p}.{s}.{s}.{s}")),
        ("empty-header", format!(".{p}.{s}")),
        ("empty-payload", format!("{h}..{s}")),
        ("empty-signature", format!("{h}.{p}.")),
        ("dots-only", "..".to_owned()),
    ] {
        t.push(&format!("J05-{id}"), Some("J05"), "eddsa", token, error("token_malformed"), "");
    }
    t.push(
        "J06-8KiB-plus-one",
        Some("J06"),
        "eddsa",
        format!("{good}{}", "A".repeat(8 * 1024 + 1 - good.len())),
        error("token_too_large"),
        "the default cap is 8 KiB, checked before any decoding",
    );
    t.push("J06-100k-dots", Some("J06"), "eddsa", ".".repeat(100_000), error("token_too_large"), "");
    let big_header = json!({"typ": "at+jwt", "alg": "EdDSA", "kid": "k1", "x": "h".repeat(20_000)}).to_string();
    t.push("J06-20KB-header", Some("J06"), "eddsa", k1.sign_raw(&big_header, &body)?, error("token_too_large"), "");
    let sig_bytes = STANDARD.decode(b64_std(s)).unwrap_or_default();
    let mut trailing = s.to_owned();
    trailing.pop();
    trailing.push(bump_trailing_bits(s.chars().last().unwrap_or('A')));
    for (id, token) in [
        ("nonzero-trailing-bits", format!("{h}.{p}.{trailing}")),
        ("padding", format!("{h}.{p}.{s}==")),
        ("standard-alphabet", format!("{h}.{p}.{}", STANDARD.encode(&sig_bytes).trim_end_matches('='))),
        ("whitespace", format!("{h}.{p}.{} {}", &s[..10], &s[10..])),
        ("crlf", format!("{h}.{p}.{}\r\n{}", &s[..10], &s[10..])),
    ] {
        t.push(&format!("J07-{id}"), Some("J07"), "eddsa", token, error("token_malformed"), "");
    }
    let es = e1.sign(&c)?;
    let es_sig = STANDARD.decode(b64_std(es.rsplit('.').next().unwrap_or_default())).unwrap_or_default();
    t.push("J08-der-signature", Some("J08"), "es256", resign(&es, &der_of(&es_sig)), error("signature_invalid"), "");
    t.push("J08-63-byte-signature", Some("J08"), "es256", resign(&es, &es_sig[..63]), error("signature_invalid"), "");
    t.push(
        "J08-65-byte-signature",
        Some("J08"),
        "es256",
        resign(&es, &[&es_sig[..], &[0]].concat()),
        error("signature_invalid"),
        "",
    );
    let n = P256_ORDER;
    t.push(
        "J09-r-s-zero",
        Some("J09"),
        "es256",
        resign(&es, &[0u8; 64]),
        error("signature_invalid"),
        "psychic signature",
    );
    t.push("J09-r-s-n", Some("J09"), "es256", resign(&es, &[n, n].concat()), error("signature_invalid"), "");
    t.push(
        "J09-r-n-plus-s",
        Some("J09"),
        "es256",
        resign(&es, &[&n[..], &es_sig[32..]].concat()),
        error("signature_invalid"),
        "r >= n",
    );
    t.push(
        "J10-high-s",
        Some("J10"),
        "es256",
        resign(&es, &[&es_sig[..32], &p256_negate(&es_sig[32..])].concat()),
        valid(e1, &c),
        "(r, n-s) verifies: JOSE does not require low-S, so pas accepts it and never keys anything on signature bytes",
    );
    for (id, crit) in [
        ("registered-name", json!(["exp"])),
        ("unknown", json!(["x-unknown"])),
        ("empty", json!([])),
        ("b64", json!(["b64"])),
        ("absent-name", json!(["x-absent"])),
        ("duplicate", json!(["x", "x"])),
    ] {
        let mut header = k1.header();
        header["crit"] = crit;
        if id == "b64" {
            header["b64"] = json!(false);
        }
        if id == "duplicate" {
            header["x"] = json!(1);
        }
        t.push(
            &format!("J11-crit-{id}"),
            Some("J11"),
            "eddsa",
            k1.sign_raw(&header.to_string(), &body)?,
            error("header_invalid"),
            "no extension is supported",
        );
    }
    for member in ["jwk", "jku", "x5u", "x5c", "x5t"] {
        let mut header = attacker.header();
        header[member] = match member {
            "jwk" => attacker.jwk(),
            "x5c" => json!(["MIIB"]),
            _ => json!("https://attacker.example/keys"),
        };
        let token = attacker.sign_raw(&header.to_string(), &body)?;
        t.push(
            &format!("J12-{member}-header"),
            Some("J12"),
            "eddsa",
            token.clone(),
            error("signature_invalid"),
            "signed by the attacker's key: the embedded key material is never used",
        );
        t.push(
            &format!("J12-{member}-header-pas-profile"),
            Some("J12"),
            "pas",
            token,
            error("header_invalid"),
            "the PAS profile allows only typ, alg, kid",
        );
    }
    for (id, kid) in [
        ("path", json!("../../x")),
        ("sql", json!("' OR 1=1 --")),
        ("nul", json!("k1\u{0}")),
        ("10KB", json!("k".repeat(10_000))),
        ("number", json!(1)),
    ] {
        let mut header = k1.header();
        header["kid"] = kid.clone();
        let expect = match id {
            "10KB" => "token_too_large",
            "number" => "token_malformed",
            _ => "kid_unknown",
        };
        t.push(
            &format!("J13-kid-{id}"),
            Some("J13"),
            "eddsa",
            k1.sign_raw(&header.to_string(), &body)?,
            error(expect),
            "kid is only ever a map lookup key",
        );
    }
    for (id, header, expect) in [
        ("duplicate-alg", r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1","alg":"none"}"#.to_owned(), "token_malformed"),
        (
            "proto-key",
            r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1","__proto__":{"alg":"none"}}"#.to_owned(),
            "header_invalid",
        ),
        ("lone-surrogate", r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1\ud800"}"#.to_owned(), "token_malformed"),
        ("array", r#"["EdDSA"]"#.to_owned(), "token_malformed"),
        ("string", r#""EdDSA""#.to_owned(), "token_malformed"),
        ("bom", format!("\u{feff}{}", k1.header()), "token_malformed"),
        ("trailing-garbage", format!("{}xx", k1.header()), "token_malformed"),
    ] {
        let verifier = if id == "proto-key" { "pas" } else { "eddsa" };
        t.push(
            &format!("J14-{id}"),
            Some("J14"),
            verifier,
            k1.sign_raw(&header, &body)?,
            error(expect),
            "a header that is not one JSON object with unique members is malformed",
        );
    }
    let invalid_utf8 =
        format!("{}.{}.{}", b64url(b"{\"typ\":\"at+jwt\",\"alg\":\"EdDSA\",\"kid\":\"k\xff\"}"), b64url(&body), s);
    t.push("J14-invalid-utf8", Some("J14"), "eddsa", invalid_utf8, error("token_malformed"), "");
    let bomb = format!("{{\"sub\":{}1{}}}", "[".repeat(1_000), "]".repeat(1_000));
    t.push(
        "J15-nesting-bomb",
        Some("J15"),
        "eddsa",
        k1.sign_raw(&k1.header().to_string(), &bomb)?,
        error("token_malformed"),
        "serde_json's recursion limit (128) answers cleanly",
    );
    Ok(())
}

/// security-testing §2.2: keys and JWKS, as the static key set a fetch would leave behind.
fn key_set_cases(t: &mut Cases, keys: &Keys) -> Result<(), String> {
    let (k1, k2, retired, e1, r1) = (&keys.k1, &keys.k2, &keys.retired, &keys.e1, &keys.r1);
    let c = claims();
    let body = c.to_string();
    t.push("K01-rotated-key", Some("K01"), "eddsa", k2.sign(&c)?, valid(k2, &c), "the JWKS holds k2 and k1");
    t.push("K02-retired-key", Some("K02"), "eddsa", retired.sign(&c)?, error("kid_unknown"), "k0 left the JWKS");
    let mut unknown = k1.header();
    unknown["kid"] = json!("f1d2d2f924e986ac86fdf7b36c94bcdf32beec15");
    t.push(
        "K03-random-unknown-kid",
        Some("K03"),
        "eddsa",
        k1.sign_raw(&unknown.to_string(), &body)?,
        error("kid_unknown"),
        "",
    );
    unknown["kid"] = json!("k3");
    t.push(
        "K04-unknown-kid",
        Some("K04"),
        "eddsa",
        k1.sign_raw(&unknown.to_string(), &body)?,
        error("kid_unknown"),
        "",
    );
    t.push("K05-keys-not-an-array", Some("K05"), "jwks-keys-not-array", k1.sign(&c)?, error("jwks_invalid"), "");
    t.push("K05-html-body", Some("K05"), "jwks-html", k1.sign(&c)?, error("jwks_invalid"), "");
    t.push(
        "K05-no-keys",
        Some("K05"),
        "jwks-empty",
        k1.sign(&c)?,
        error("jwks_invalid"),
        "an empty key set is refused",
    );
    let skipped = "the unusable key is skipped (so its kid is unknown); the other keys load";
    t.push(
        "K06-duplicate-kid",
        Some("K06"),
        "jwks-duplicate-kid",
        k1.sign(&c)?,
        error("kid_unknown"),
        "both keys sharing kid k1 with different material are dropped",
    );
    t.push("K06-use-enc", Some("K06"), "jwks-use-enc", k1.sign(&c)?, error("kid_unknown"), skipped);
    t.push("K06-use-enc-other-keys-load", Some("K06"), "jwks-use-enc", k2.sign(&c)?, valid(k2, &c), skipped);
    t.push(
        "K06-no-usable-key",
        Some("K06"),
        "jwks-only-enc",
        k1.sign(&c)?,
        error("jwks_invalid"),
        "a set with no usable key is refused",
    );
    t.push(
        "K06-key-ops-without-verify",
        Some("K06"),
        "jwks-key-ops-sign-only",
        k1.sign(&c)?,
        error("kid_unknown"),
        skipped,
    );
    let rsa_small = json!({"typ": "at+jwt", "alg": "RS256", "kid": "r-1024"}).to_string();
    t.push(
        "K06-rsa-1024",
        Some("K06"),
        "jwks-rsa-1024",
        r1.sign_raw(&rsa_small, &body)?,
        error("kid_unknown"),
        skipped,
    );
    t.push("K06-ec-point-off-curve", Some("K06"), "jwks-ec-off-curve", e1.sign(&c)?, error("kid_unknown"), skipped);
    t.push(
        "K06-oct-key",
        Some("K06"),
        "jwks-oct",
        k1.sign(&c)?,
        valid(k1, &c),
        "the symmetric key is skipped, the others load",
    );
    let h1 = json!({"typ": "at+jwt", "alg": "ES256", "kid": "h1"}).to_string();
    t.push("K07-es256-naming-an-hmac-key", Some("K07"), "jwks-oct", e1.sign_raw(&h1, &body)?, error("kid_unknown"), "");
    Ok(())
}

/// security-testing §2.3: claims.
fn claim_cases(t: &mut Cases, keys: &Keys) -> Result<(), String> {
    let k1 = &keys.k1;
    let c = claims();
    let body = c.to_string();
    for (id, typ, expect) in [
        ("JWT", Some("JWT"), "typ_invalid"),
        ("missing", None, "typ_invalid"),
        ("dpop", Some("dpop+jwt"), "typ_invalid"),
    ] {
        let mut header = k1.header();
        match typ {
            Some(typ) => header["typ"] = json!(typ),
            None => header = without(header, "typ"),
        }
        t.push(
            &format!("C01-typ-{id}"),
            Some("C01"),
            "eddsa",
            k1.sign_raw(&header.to_string(), &body)?,
            error(expect),
            "",
        );
    }
    for (id, typ) in [("application", "application/at+jwt"), ("uppercase", "AT+JWT")] {
        let header = with(k1.header(), "typ", json!(typ));
        t.push(
            &format!("C01-typ-{id}"),
            Some("C01"),
            "eddsa",
            k1.sign_raw(&header.to_string(), &body)?,
            valid(k1, &c),
            "",
        );
    }
    let id_token = with(with(c.clone(), "aud", json!("app-web")), "nonce", json!("n-1"));
    let header = with(k1.header(), "typ", json!("JWT"));
    t.push(
        "C01-id-token-as-access-token",
        Some("C01"),
        "eddsa",
        k1.sign_raw(&header.to_string(), &id_token.to_string())?,
        error("typ_invalid"),
        "RFC 9068 §4",
    );
    for (id, iss) in [
        ("trailing-slash", json!("https://pas.example/")),
        ("case", json!("https://PAS.example")),
        ("suffix", json!("https://pas.example.evil")),
        ("prefix", json!("https://pas.exampl")),
        ("array", json!([ISS])),
        ("number", json!(1)),
    ] {
        t.push(
            &format!("C02-iss-{id}"),
            Some("C02"),
            "eddsa",
            k1.sign(&with(c.clone(), "iss", iss))?,
            error("issuer_invalid"),
            "",
        );
    }
    let aud_in_array = with(c.clone(), "aud", json!(["urn:other", AUD]));
    t.push("C03-aud-array-containing", Some("C03"), "eddsa", k1.sign(&aud_in_array)?, valid(k1, &aud_in_array), "");
    for (id, aud) in [
        ("empty-array", json!([])),
        ("null", Value::Null),
        ("number", json!(7)),
        ("array-of-numbers", json!([1, 2])),
        ("superstring", json!("urn:pas:api-evil")),
        ("case", json!("URN:PAS:API")),
    ] {
        t.push(
            &format!("C03-aud-{id}"),
            Some("C03"),
            "eddsa",
            k1.sign(&with(c.clone(), "aud", aud))?,
            error("audience_invalid"),
            "",
        );
    }
    t.push(
        "C03-aud-missing",
        Some("C03"),
        "eddsa",
        k1.sign(&without(c.clone(), "aud"))?,
        error("audience_invalid"),
        "a missing aud fails (jsonwebtoken #493)",
    );
    for (id, verifier, exp, ok) in [
        ("exp-now", "eddsa", NOW, true),
        ("exp-now-minus-leeway-plus-1", "eddsa", NOW - 59, true),
        ("exp-now-minus-leeway", "eddsa", NOW - 60, false),
        ("leeway0-exp-now-plus-1", "leeway0", NOW + 1, true),
        ("leeway0-exp-now", "leeway0", NOW, false),
        ("leeway300-exp-now-minus-299", "leeway300", NOW - 299, true),
        ("leeway300-exp-now-minus-300", "leeway300", NOW - 300, false),
    ] {
        let claims = with(with(c.clone(), "exp", json!(exp)), "iat", json!(exp - 600));
        let expect = if ok { valid(k1, &claims) } else { error("token_expired") };
        t.push(
            &format!("C04-{id}"),
            Some("C04"),
            verifier,
            k1.sign(&claims)?,
            expect,
            "RFC 7519: the time must be before exp (plus leeway)",
        );
    }
    t.push(
        "C04-leeway-301-refused",
        Some("C04"),
        "leeway301",
        k1.sign(&c)?,
        error("invalid_config"),
        "leeway is 0..=300 s",
    );
    t.push("C04-exp-missing", Some("C04"), "eddsa", k1.sign(&without(c.clone(), "exp"))?, error("claim_missing"), "");
    for (id, exp) in [
        ("string", "\"1767226440\""),
        ("fraction", "1767226440.5"),
        ("negative", "-1"),
        ("1e400", "1e400"),
        ("2-pow-64", "18446744073709551616"),
        ("bool", "true"),
    ] {
        let payload = c.to_string().replace(&format!("\"exp\":{}", NOW + 840), &format!("\"exp\":{exp}"));
        let expect = if id == "1e400" { "token_malformed" } else { "claim_invalid" };
        t.push(
            &format!("C04-exp-{id}"),
            Some("C04"),
            "eddsa",
            k1.sign_raw(&k1.header().to_string(), &payload)?,
            error(expect),
            "",
        );
    }
    let long = with(with(c.clone(), "iat", json!(NOW - 10)), "exp", json!(NOW + 86_401));
    t.push("C04-lifetime-over-24h", Some("C04"), "eddsa", k1.sign(&long)?, error("lifetime_too_long"), "");
    t.push(
        "C04-rfc7515-a3-expired",
        Some("C04"),
        "rfc7515-a3",
        RFC7515_A3_JWS.to_owned(),
        error("typ_invalid"),
        "RFC 7515 A.3 verifies but has no typ, aud or sv; the typ check runs before exp",
    );
    let nbf_late = with(c.clone(), "nbf", json!(NOW + 61));
    t.push("C05-nbf-after-leeway", Some("C05"), "eddsa", k1.sign(&nbf_late)?, error("token_not_yet_valid"), "");
    let nbf_edge = with(c.clone(), "nbf", json!(NOW + 60));
    t.push("C05-nbf-at-leeway", Some("C05"), "eddsa", k1.sign(&nbf_edge)?, valid(k1, &nbf_edge), "");
    t.push(
        "C06-iat-future",
        Some("C06"),
        "eddsa",
        k1.sign(&with(c.clone(), "iat", json!(NOW + 61)))?,
        error("iat_in_future"),
        "",
    );
    t.push(
        "C06-iat-huge",
        Some("C06"),
        "eddsa",
        k1.sign(&with(c.clone(), "iat", json!(i64::MAX)))?,
        error("iat_in_future"),
        "checked arithmetic",
    );
    for (id, sv) in [
        ("null", Value::Null),
        ("string", json!("2")),
        ("true", json!(true)),
        ("array", json!([2])),
        ("negative", json!(-1)),
        ("float", json!(2.5)),
    ] {
        t.push(
            &format!("C07-sv-{id}"),
            Some("C07"),
            "eddsa",
            k1.sign(&with(c.clone(), "sv", sv))?,
            error("claim_invalid"),
            "a present sv must be a non-negative integer (D1, D15); session.json covers the refresh path",
        );
    }
    let dup = c.to_string().replacen("\"sv\":3", "\"sv\":1,\"sv\":9", 1);
    t.push(
        "C08-duplicate-claim",
        Some("C08"),
        "eddsa",
        k1.sign_raw(&k1.header().to_string(), &dup)?,
        error("token_malformed"),
        "one parse for check and use",
    );
    for claim in ["sub", "client_id", "jti"] {
        t.push(
            &format!("C09-{claim}-missing"),
            Some("C09"),
            "eddsa",
            k1.sign(&without(c.clone(), claim))?,
            error("claim_missing"),
            "RFC 9068 profile (D14)",
        );
        t.push(
            &format!("C09-{claim}-not-a-string"),
            Some("C09"),
            "eddsa",
            k1.sign(&with(c.clone(), claim, json!(5)))?,
            error("claim_invalid"),
            "",
        );
    }
    let mut many = c.clone();
    for i in 0..1_000 {
        many[format!("c{i}")] = json!(i);
    }
    t.push("C10-1000-claims", Some("C10"), "eddsa", k1.sign(&many)?, error("token_too_large"), "");
    t.push(
        "C10-64KB-scope",
        Some("C10"),
        "eddsa",
        k1.sign(&with(c.clone(), "scope", json!("s".repeat(65_536))))?,
        error("token_too_large"),
        "",
    );
    Ok(())
}

/// RFC 7515 Appendix A.3: an ES256 JWS that verifies but is expired and lacks the RFC 9068 claims.
const RFC7515_A3_JWS: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

fn rfc7515_a3_jwk() -> Value {
    json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
           "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})
}

/// A syntactically valid 1024-bit RSA public JWK (modulus 0xC0…01, odd): too short for D9.
fn rsa_1024_jwk() -> Value {
    let mut n = vec![0xC0u8; 128];
    n[127] = 0x01;
    json!({"kty": "RSA", "kid": "r-1024", "use": "sig", "alg": "RS256", "n": b64url(n), "e": "AQAB"})
}

fn pem_of(jwk: &Value) -> String {
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(jwk.to_string()))
}

fn b64_std(url: &str) -> String {
    let mut s = url.replace('-', "+").replace('_', "/");
    while !s.len().is_multiple_of(4) {
        s.push('=');
    }
    s
}

/// The next base64url character whose value differs only in the two low (unused) bits.
fn bump_trailing_bits(c: char) -> char {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = ALPHABET.iter().position(|&a| a as char == c).unwrap_or(0);
    ALPHABET[(index & !0b11) | ((index + 1) & 0b11)] as char
}

/// The P-256 group order n.
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// n - s (big-endian, 32 bytes).
fn p256_negate(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = u8::try_from(d).unwrap_or(0);
    }
    out
}

/// The DER (ASN.1 SEQUENCE of two INTEGERs) form of a raw r‖s signature.
fn der_of(raw: &[u8]) -> Vec<u8> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
        let mut value = if trimmed.first().is_some_and(|&b| b & 0x80 != 0) { vec![0] } else { vec![] };
        value.extend(trimmed);
        [vec![0x02, u8::try_from(value.len()).unwrap_or(0)], value].concat()
    }
    let body = [integer(&raw[..32]), integer(&raw[32..])].concat();
    [vec![0x30, u8::try_from(body.len()).unwrap_or(0)], body].concat()
}
