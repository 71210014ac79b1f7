//! Access-token verification: the attack catalogue (security-testing.md §2.1-2.3) and the JWKS
//! cache rules (D8), each reject asserting its exact error code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pas_core::http::HttpOptions;
use pas_core::jwt::{Algorithm, Profile, VerifiedToken, Verifier, VerifierBuilder};
use pas_core::{Error, ErrorCode};
use serde_json::{Value, json};

const ISS: &str = "https://pas.example";
const AUD: &str = "client-123";
const NOW: u64 = 1_700_000_000;

// ---------------------------------------------------------------------------------------------
// A small signer
// ---------------------------------------------------------------------------------------------

enum KeyMaterial {
    Ed(Ed25519KeyPair),
    Ec { fixed: EcdsaKeyPair, der: EcdsaKeyPair },
    Rsa(Arc<RsaKeyPair>),
}

struct Signer {
    kid: String,
    key: KeyMaterial,
}

fn rsa_pair() -> Arc<RsaKeyPair> {
    static KEY: OnceLock<Arc<RsaKeyPair>> = OnceLock::new();
    KEY.get_or_init(|| Arc::new(RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap())).clone()
}

impl Signer {
    fn ed(kid: &str) -> Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Signer { kid: kid.into(), key: KeyMaterial::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()) }
    }

    fn ec(kid: &str) -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let fixed = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).unwrap();
        let der = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
        Signer { kid: kid.into(), key: KeyMaterial::Ec { fixed, der } }
    }

    fn rsa(kid: &str) -> Signer {
        Signer { kid: kid.into(), key: KeyMaterial::Rsa(rsa_pair()) }
    }

    fn default_alg(&self) -> &'static str {
        match self.key {
            KeyMaterial::Ed(_) => "EdDSA",
            KeyMaterial::Ec { .. } => "ES256",
            KeyMaterial::Rsa(_) => "RS256",
        }
    }

    fn public_bytes(&self) -> Vec<u8> {
        match &self.key {
            KeyMaterial::Ed(k) => k.public_key().as_ref().to_vec(),
            KeyMaterial::Ec { fixed, .. } => fixed.public_key().as_ref().to_vec(),
            KeyMaterial::Rsa(k) => k.public_key().as_ref().to_vec(),
        }
    }

    fn jwk(&self) -> Value {
        let mut jwk = match &self.key {
            KeyMaterial::Ed(k) => {
                json!({"kty":"OKP","crv":"Ed25519","x":B64.encode(k.public_key().as_ref())})
            }
            KeyMaterial::Ec { fixed, .. } => {
                let p = fixed.public_key().as_ref();
                json!({"kty":"EC","crv":"P-256","x":B64.encode(&p[1..33]),"y":B64.encode(&p[33..65])})
            }
            KeyMaterial::Rsa(k) => {
                let pk = k.public_key();
                json!({"kty":"RSA",
                       "n":B64.encode(pk.modulus().big_endian_without_leading_zero()),
                       "e":B64.encode(pk.exponent().big_endian_without_leading_zero())})
            }
        };
        jwk["kid"] = json!(self.kid);
        jwk["use"] = json!("sig");
        jwk
    }

    fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match (&self.key, alg) {
            (KeyMaterial::Ed(k), _) => k.sign(input).as_ref().to_vec(),
            (KeyMaterial::Ec { fixed, .. }, _) => fixed.sign(&rng, input).unwrap().as_ref().to_vec(),
            (KeyMaterial::Rsa(k), alg) => {
                let mut sig = vec![0; k.public_modulus_len()];
                let enc: &'static dyn signature::RsaEncoding =
                    if alg == "PS256" { &signature::RSA_PSS_SHA256 } else { &signature::RSA_PKCS1_SHA256 };
                k.sign(enc, &rng, input, &mut sig).unwrap();
                sig
            }
        }
    }

    fn sign_der(&self, input: &[u8]) -> Vec<u8> {
        match &self.key {
            KeyMaterial::Ec { der, .. } => der.sign(&SystemRandom::new(), input).unwrap().as_ref().to_vec(),
            _ => unreachable!(),
        }
    }

    /// A token from raw header and payload JSON text (so duplicates can be written).
    fn raw(&self, header: &str, payload: &str) -> String {
        let alg = serde_json::from_str::<Value>(header)
            .ok()
            .and_then(|h| h["alg"].as_str().map(str::to_owned))
            .unwrap_or_else(|| self.default_alg().to_owned());
        let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
        let sig = self.sign(&alg, input.as_bytes());
        format!("{input}.{}", B64.encode(sig))
    }

    fn token(&self, header: &Value, claims: &Value) -> String {
        self.raw(&header.to_string(), &claims.to_string())
    }

    fn header(&self) -> Value {
        json!({"typ":"at+jwt","alg":self.default_alg(),"kid":self.kid})
    }

    fn mint(&self, claims: &Value) -> String {
        self.token(&self.header(), claims)
    }
}

fn claims() -> Value {
    json!({
        "iss": ISS, "aud": AUD, "sub": "ppnum-0001", "client_id": AUD, "jti": "jti-1",
        "iat": NOW, "exp": NOW + 600, "cat": "access", "sv": 3, "sid": "sess-1",
        "scope": "openid profile",
    })
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

fn jwks(signers: &[&Signer]) -> String {
    json!({"keys": signers.iter().map(|s| s.jwk()).collect::<Vec<_>>()}).to_string()
}

fn builder(signers: &[&Signer]) -> VerifierBuilder {
    Verifier::builder(ISS, AUD).jwks_json(&jwks(signers))
}

fn verifier(signers: &[&Signer]) -> Verifier {
    builder(signers).build().unwrap()
}

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> ErrorCode {
    result.expect_err("expected a rejection").code()
}

fn check(v: &Verifier, token: &str) -> Result<VerifiedToken, Error> {
    v.verify_cached_at(token, NOW)
}

// ---------------------------------------------------------------------------------------------
// Valid tokens and accessors
// ---------------------------------------------------------------------------------------------

#[test]
fn valid_eddsa_and_accessors() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let token = s.mint(&claims());
    let t = check(&v, &token).unwrap();
    assert_eq!(t.subject(), "ppnum-0001");
    assert_eq!(t.sv(), Some(3));
    assert_eq!(t.session_id(), Some("sess-1"));
    assert_eq!(t.client_id(), AUD);
    assert_eq!(t.scopes(), ["openid".to_owned(), "profile".to_owned()]);
    assert!(t.has_scope("openid") && !t.has_scope("open"));
    assert_eq!(t.expires_at(), NOW + 600);
    assert_eq!(t.issued_at(), NOW);
    assert_eq!(t.not_before(), None);
    assert_eq!(t.jwt_id(), "jti-1");
    assert_eq!(t.issuer(), ISS);
    assert_eq!(t.key_id(), Some("k1"));
    assert_eq!(t.audiences(), [AUD.to_owned()]);
    assert_eq!(t.algorithm(), Algorithm::EdDSA);
    // Debug never shows the raw token or its signature.
    let debug = format!("{t:?}");
    assert!(!debug.contains(&token) && !debug.contains(token.rsplit('.').next().unwrap()));
    let vdebug = format!("{v:?}");
    assert!(vdebug.contains(ISS) && vdebug.contains(AUD) && !vdebug.contains("OKP"));
}

#[test]
fn optional_claims_absent() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let c = without(without(without(claims(), "sv"), "sid"), "scope");
    let t = check(&v, &s.mint(&c)).unwrap();
    assert_eq!(t.sv(), None);
    assert_eq!(t.session_id(), None);
    assert!(t.scopes().is_empty());
    let t = check(&v, &s.mint(&with(claims(), "scope", json!("  a  b ")))).unwrap();
    assert_eq!(t.scopes(), ["a".to_owned(), "b".to_owned()]);
}

#[test]
fn unknown_claims_are_accepted() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let c = with(with(claims(), "account_type", json!("human")), "caps", json!(["a", {"b": [1, 2]}]));
    check(&v, &s.mint(&c)).unwrap();
}

#[tokio::test]
async fn async_verify_with_static_keys() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    v.prefetch().await.unwrap();
    v.verify_at(&s.mint(&claims()), NOW).await.unwrap();
    // The real clock: NOW is in the past, so the token is expired.
    assert_eq!(code(v.verify(&s.mint(&claims())).await), ErrorCode::TokenExpired);
    assert_eq!(code(v.verify_cached(&s.mint(&claims()))), ErrorCode::TokenExpired);
}

#[test]
fn es256_only_when_allowed() {
    let s = Signer::ec("ec1");
    let token = s.mint(&claims());
    assert_eq!(code(check(&verifier(&[&s]), &token)), ErrorCode::AlgNotAllowed);
    let v = builder(&[&s]).allow_algorithm(Algorithm::ES256).build().unwrap();
    assert_eq!(check(&v, &token).unwrap().algorithm(), Algorithm::ES256);
    // algorithms() replaces the list: EdDSA no longer allowed.
    let ed = Signer::ed("ed1");
    let v = builder(&[&s, &ed]).algorithms(&[Algorithm::ES256]).build().unwrap();
    check(&v, &token).unwrap();
    assert_eq!(code(check(&v, &ed.mint(&claims()))), ErrorCode::AlgNotAllowed);
    assert_eq!(v.algorithms(), vec![Algorithm::ES256]);
}

#[test]
fn rs256_and_ps256_only_when_allowed() {
    let s = Signer::rsa("rsa1");
    let rs = s.mint(&claims());
    let ps = s.token(&json!({"typ":"at+jwt","alg":"PS256","kid":"rsa1"}), &claims());
    let default = verifier(&[&s]);
    assert_eq!(code(check(&default, &rs)), ErrorCode::AlgNotAllowed);
    assert_eq!(code(check(&default, &ps)), ErrorCode::AlgNotAllowed);
    let v = builder(&[&s]).allow_algorithm(Algorithm::RS256).build().unwrap();
    assert_eq!(check(&v, &rs).unwrap().algorithm(), Algorithm::RS256);
    assert_eq!(code(check(&v, &ps)), ErrorCode::AlgNotAllowed);
    let v = builder(&[&s]).allow_algorithm(Algorithm::PS256).build().unwrap();
    assert_eq!(check(&v, &ps).unwrap().algorithm(), Algorithm::PS256);
    // A PS256 signature presented as RS256 does not verify.
    let v = builder(&[&s]).algorithms(&[Algorithm::RS256, Algorithm::PS256]).build().unwrap();
    let (input, sig) = ps.rsplit_once('.').unwrap();
    let (_, payload) = input.split_once('.').unwrap();
    let swapped =
        format!("{}.{payload}.{sig}", B64.encode(json!({"typ":"at+jwt","alg":"RS256","kid":"rsa1"}).to_string()));
    assert_eq!(code(check(&v, &swapped)), ErrorCode::SignatureInvalid);
}

// ---------------------------------------------------------------------------------------------
// Time claims (C04-C06)
// ---------------------------------------------------------------------------------------------

#[test]
fn exp_boundary_default_leeway() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let exp = NOW + 600;
    let token = s.mint(&claims());
    v.verify_cached_at(&token, exp + 59).unwrap();
    assert_eq!(code(v.verify_cached_at(&token, exp + 60)), ErrorCode::TokenExpired);
    assert_eq!(code(v.verify_cached_at(&token, exp + 61)), ErrorCode::TokenExpired);
}

#[test]
fn exp_boundary_leeway_zero_and_max() {
    let s = Signer::ed("k1");
    let exp = NOW + 600;
    let token = s.mint(&claims());
    let v = builder(&[&s]).leeway(Duration::ZERO).build().unwrap();
    v.verify_cached_at(&token, exp - 1).unwrap();
    assert_eq!(code(v.verify_cached_at(&token, exp)), ErrorCode::TokenExpired);
    let v = builder(&[&s]).leeway(Duration::from_secs(300)).build().unwrap();
    v.verify_cached_at(&token, exp + 299).unwrap();
    assert_eq!(code(v.verify_cached_at(&token, exp + 300)), ErrorCode::TokenExpired);
    assert_eq!(code(builder(&[&s]).leeway(Duration::from_secs(301)).build()), ErrorCode::InvalidConfig);
}

#[test]
fn nbf_boundary() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    check(&v, &s.mint(&with(claims(), "nbf", json!(NOW + 60)))).unwrap();
    assert_eq!(code(check(&v, &s.mint(&with(claims(), "nbf", json!(NOW + 61))))), ErrorCode::TokenNotYetValid);
    assert_eq!(check(&v, &s.mint(&with(claims(), "nbf", json!(NOW)))).unwrap().not_before(), Some(NOW));
    assert_eq!(code(check(&v, &s.mint(&with(claims(), "nbf", json!("1"))))), ErrorCode::ClaimInvalid);
}

#[test]
fn iat_in_future() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    check(&v, &s.mint(&with(claims(), "iat", json!(NOW + 60)))).unwrap();
    assert_eq!(code(check(&v, &s.mint(&with(claims(), "iat", json!(NOW + 61))))), ErrorCode::IatInFuture);
    // Huge values do not overflow.
    let c = with(with(claims(), "iat", json!(i64::MAX)), "exp", json!(i64::MAX));
    assert_eq!(code(check(&v, &s.mint(&c))), ErrorCode::IatInFuture);
    assert_eq!(code(v.verify_cached_at(&s.mint(&claims()), u64::MAX)), ErrorCode::TokenExpired);
}

#[test]
fn lifetime_cap() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    check(&v, &s.mint(&with(claims(), "exp", json!(NOW + 86_400)))).unwrap();
    assert_eq!(code(check(&v, &s.mint(&with(claims(), "exp", json!(NOW + 86_401))))), ErrorCode::LifetimeTooLong);
    assert_eq!(code(check(&v, &s.mint(&with(claims(), "exp", json!(i64::MAX))))), ErrorCode::LifetimeTooLong);
    // exp before iat (both acceptable on their own thanks to the leeway).
    let c = with(with(claims(), "iat", json!(NOW + 30)), "exp", json!(NOW + 20));
    assert_eq!(code(check(&v, &s.mint(&c))), ErrorCode::ClaimInvalid);
}

#[test]
fn numeric_claim_types() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for bad in [
        json!("1700000600"),
        json!(1.5),
        json!(-1),
        json!(true),
        json!(null),
        json!([NOW + 600]),
        json!(18_446_744_073_709_551_615u64),
    ] {
        assert_eq!(code(check(&v, &s.mint(&with(claims(), "exp", bad.clone())))), ErrorCode::ClaimInvalid, "exp {bad}");
        assert_eq!(code(check(&v, &s.mint(&with(claims(), "iat", bad.clone())))), ErrorCode::ClaimInvalid, "iat {bad}");
    }
    let payload = claims().to_string();
    for (raw, want) in [
        ("1700000600.0", ErrorCode::ClaimInvalid),
        ("17000006e2", ErrorCode::ClaimInvalid),
        ("18446744073709551616", ErrorCode::ClaimInvalid),
        ("9223372036854775808", ErrorCode::ClaimInvalid),
        ("1e400", ErrorCode::TokenMalformed),
    ] {
        let p = payload.replace(&format!("\"exp\":{}", NOW + 600), &format!("\"exp\":{raw}"));
        assert_ne!(p, payload);
        assert_eq!(code(check(&v, &s.raw(&s.header().to_string(), &p))), want, "exp {raw}");
    }
    assert_eq!(code(check(&v, &s.mint(&without(claims(), "exp")))), ErrorCode::ClaimMissing);
    assert_eq!(code(check(&v, &s.mint(&without(claims(), "iat")))), ErrorCode::ClaimMissing);
}

// ---------------------------------------------------------------------------------------------
// iss, aud, required claims, sv, cat (C02, C03, C07-C09)
// ---------------------------------------------------------------------------------------------

#[test]
fn issuer_exact_match() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for bad in [
        json!("https://pas.example/"),
        json!("https://PAS.example"),
        json!("https://pas.example.evil"),
        json!("https://pas"),
        json!("http://pas.example"),
        json!([ISS]),
        json!(1),
        json!(null),
    ] {
        assert_eq!(code(check(&v, &s.mint(&with(claims(), "iss", bad.clone())))), ErrorCode::IssuerInvalid, "{bad}");
    }
    assert_eq!(code(check(&v, &s.mint(&without(claims(), "iss")))), ErrorCode::IssuerInvalid);
}

#[test]
fn audience_rules() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let t = check(&v, &s.mint(&with(claims(), "aud", json!(["other", AUD])))).unwrap();
    assert_eq!(t.audiences(), ["other".to_owned(), AUD.to_owned()]);
    for bad in [
        json!([]),
        json!(null),
        json!(123),
        json!(["other"]),
        json!([1, 2]),
        json!([AUD, 1]),
        json!("client-123-evil"),
        json!("CLIENT-123"),
        json!({"aud": AUD}),
    ] {
        assert_eq!(code(check(&v, &s.mint(&with(claims(), "aud", bad.clone())))), ErrorCode::AudienceInvalid, "{bad}");
    }
    // jsonwebtoken #493: a missing aud must fail.
    assert_eq!(code(check(&v, &s.mint(&without(claims(), "aud")))), ErrorCode::AudienceInvalid);
}

#[test]
fn required_string_claims() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for name in ["sub", "client_id", "jti"] {
        assert_eq!(code(check(&v, &s.mint(&without(claims(), name)))), ErrorCode::ClaimMissing, "{name}");
        for bad in [json!(1), json!(null), json!(""), json!(["x"])] {
            assert_eq!(
                code(check(&v, &s.mint(&with(claims(), name, bad.clone())))),
                ErrorCode::ClaimInvalid,
                "{name} {bad}"
            );
        }
    }
    for name in ["sid", "scope"] {
        assert_eq!(code(check(&v, &s.mint(&with(claims(), name, json!(1))))), ErrorCode::ClaimInvalid, "{name}");
    }
}

#[test]
fn sv_claim_rules() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    assert_eq!(check(&v, &s.mint(&with(claims(), "sv", json!(0)))).unwrap().sv(), Some(0));
    assert_eq!(check(&v, &s.mint(&with(claims(), "sv", json!(i64::MAX)))).unwrap().sv(), Some(i64::MAX));
    for bad in
        [json!("2"), json!(2.0), json!(-1), json!(true), json!([2]), json!(null), json!(9_223_372_036_854_775_808u64)]
    {
        assert_eq!(code(check(&v, &s.mint(&with(claims(), "sv", bad.clone())))), ErrorCode::ClaimInvalid, "{bad}");
    }
}

#[test]
fn duplicate_claims_rejected() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let base = claims().to_string();
    let header = s.header().to_string();
    // C08: {"sv":1,...,"sv":9}
    let dup_sv = base.replacen('{', "{\"sv\":9,", 1);
    assert_eq!(code(check(&v, &s.raw(&header, &dup_sv))), ErrorCode::TokenMalformed);
    // Escaped duplicate of a known claim.
    let dup_sub = base.replacen('{', "{\"s\\u0075b\":\"admin\",", 1);
    assert_eq!(code(check(&v, &s.raw(&header, &dup_sub))), ErrorCode::TokenMalformed);
    // Duplicate unknown claim.
    let dup_x = base.replacen('{', "{\"x\":1,\"x\":2,", 1);
    assert_eq!(code(check(&v, &s.raw(&header, &dup_x))), ErrorCode::TokenMalformed);
}

#[test]
fn payload_not_an_object() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let header = s.header().to_string();
    for payload in ["[]", "\"x\"", "null", "{", "{} {}", "\u{feff}{}"] {
        assert_eq!(code(check(&v, &s.raw(&header, payload))), ErrorCode::TokenMalformed, "{payload}");
    }
}

#[test]
fn nesting_bomb_is_a_clean_error() {
    let s = Signer::ed("k1");
    let v = builder(&[&s]).max_token_bytes(256 * 1024).profile(Profile::Rfc9068).build().unwrap();
    let depth = 50_000;
    let bomb = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let payload = claims().to_string().replacen('{', &format!("{{\"x\":{bomb},"), 1);
    assert_eq!(code(check(&v, &s.raw(&s.header().to_string(), &payload))), ErrorCode::TokenMalformed);
    // In the header too (unsigned input, parsed before the signature).
    let header = format!("{{\"typ\":\"at+jwt\",\"alg\":\"EdDSA\",\"kid\":\"k1\",\"x\":{bomb}}}");
    assert_eq!(code(check(&v, &s.raw(&header, &claims().to_string()))), ErrorCode::TokenMalformed);
    // In a known claim (aud) as well.
    let payload = claims().to_string().replacen("\"aud\":\"client-123\"", &format!("\"aud\":{bomb}"), 1);
    assert_eq!(code(check(&v, &s.raw(&s.header().to_string(), &payload))), ErrorCode::TokenMalformed);
    // Moderate nesting in an unknown claim is fine.
    let ok = claims().to_string().replacen('{', "{\"x\":[[[[[[[[[[1]]]]]]]]]],", 1);
    check(&v, &s.raw(&s.header().to_string(), &ok)).unwrap();
}

#[test]
fn category_under_pas_profile() {
    let s = Signer::ed("k1");
    let pas = builder(&[&s]).profile(Profile::Pas).build().unwrap();
    let rfc = verifier(&[&s]);
    assert_eq!(rfc.profile(), Profile::Rfc9068, "D14: RFC 9068 is the default profile");
    for bad in [Some(json!("refresh")), Some(json!("ACCESS")), Some(json!(1)), None] {
        let c = match &bad {
            Some(cat) => with(claims(), "cat", cat.clone()),
            None => without(claims(), "cat"),
        };
        assert_eq!(code(check(&pas, &s.mint(&c))), ErrorCode::CategoryInvalid, "{bad:?}");
        check(&rfc, &s.mint(&c)).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Header and algorithm (J01-J04, J11-J14, C01)
// ---------------------------------------------------------------------------------------------

#[test]
fn typ_rules() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for ok in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"] {
        check(&v, &s.token(&json!({"typ":ok,"alg":"EdDSA","kid":"k1"}), &claims())).unwrap();
    }
    for bad in [json!("JWT"), json!("jwt"), json!("dpop+jwt"), json!("application/jwt"), json!(1), json!(null)] {
        let t = s.token(&json!({"typ":bad,"alg":"EdDSA","kid":"k1"}), &claims());
        assert_eq!(code(check(&v, &t)), ErrorCode::TypInvalid, "{bad}");
    }
    let untyped = s.token(&json!({"alg":"EdDSA","kid":"k1"}), &claims());
    assert_eq!(code(check(&v, &untyped)), ErrorCode::TypInvalid);
    let relaxed = builder(&[&s]).require_typ(false).build().unwrap();
    check(&relaxed, &untyped).unwrap();
    check(&relaxed, &s.token(&json!({"typ":"JWT","alg":"EdDSA","kid":"k1"}), &claims())).unwrap();
}

#[test]
fn id_token_presented_as_access_token() {
    // Same key, aud = client_id, but typ JWT: rejected (RFC 9068 §4).
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let id_token = s.token(&json!({"typ":"JWT","alg":"EdDSA","kid":"k1"}), &with(claims(), "nonce", json!("n")));
    assert_eq!(code(check(&v, &id_token)), ErrorCode::TypInvalid);
}

#[test]
fn alg_none_and_case_variants() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for alg in ["none", "None", "NONE", "nOnE"] {
        let input = format!(
            "{}.{}",
            B64.encode(json!({"typ":"at+jwt","alg":alg,"kid":"k1"}).to_string()),
            B64.encode(claims().to_string())
        );
        // Empty signature: not even a compact JWS with three non-empty parts.
        assert_eq!(code(check(&v, &format!("{input}."))), ErrorCode::TokenMalformed, "{alg}");
        // Non-empty signature: the algorithm is refused.
        let sig = B64.encode(s.sign("EdDSA", input.as_bytes()));
        assert_eq!(code(check(&v, &format!("{input}.{sig}"))), ErrorCode::AlgNotAllowed, "{alg}");
    }
}

#[test]
fn alg_outside_allow_list_or_malformed() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for alg in [
        json!("ES384"),
        json!("eddsa"),
        json!("EDDSA"),
        json!("Ed25519"),
        json!("HS256"),
        json!(1),
        json!(["EdDSA"]),
        json!(null),
    ] {
        let t = s.raw(&json!({"typ":"at+jwt","alg":alg,"kid":"k1"}).to_string(), &claims().to_string());
        assert_eq!(code(check(&v, &t)), ErrorCode::AlgNotAllowed, "{alg}");
    }
    let t = s.raw(&json!({"typ":"at+jwt","kid":"k1"}).to_string(), &claims().to_string());
    assert_eq!(code(check(&v, &t)), ErrorCode::AlgNotAllowed);
}

#[test]
fn hs256_with_public_key_as_secret() {
    // J02 / GHSA-ffqj-6fqr-9h24: HMAC keyed with the public key bytes or the JWK JSON.
    for s in [Signer::ed("k1"), Signer::ec("k1"), Signer::rsa("k1")] {
        let v = builder(&[&s])
            .algorithms(&[Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256, Algorithm::PS256])
            .build()
            .unwrap();
        let input = format!(
            "{}.{}",
            B64.encode(json!({"typ":"at+jwt","alg":"HS256","kid":"k1"}).to_string()),
            B64.encode(claims().to_string())
        );
        for secret in [s.public_bytes(), s.jwk().to_string().into_bytes()] {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &secret), input.as_bytes());
            let t = format!("{input}.{}", B64.encode(tag.as_ref()));
            assert_eq!(code(check(&v, &t)), ErrorCode::AlgNotAllowed);
        }
    }
}

#[test]
fn alg_must_fit_the_key() {
    // J04: ES256 token naming an Ed25519 key; PS256 token naming an RSA JWK pinned to RS256.
    let ed = Signer::ed("ed");
    let ec = Signer::ec("ec");
    let v = builder(&[&ed, &ec]).allow_algorithm(Algorithm::ES256).build().unwrap();
    let t = ec.token(&json!({"typ":"at+jwt","alg":"ES256","kid":"ed"}), &claims());
    assert_eq!(code(check(&v, &t)), ErrorCode::AlgNotAllowed);
    let t = ed.token(&json!({"typ":"at+jwt","alg":"EdDSA","kid":"ec"}), &claims());
    assert_eq!(code(check(&v, &t)), ErrorCode::AlgNotAllowed);

    let rsa = Signer::rsa("rsa");
    let mut jwk = rsa.jwk();
    jwk["alg"] = json!("RS256");
    let v = Verifier::builder(ISS, AUD)
        .jwks_json(&json!({"keys":[jwk]}).to_string())
        .algorithms(&[Algorithm::RS256, Algorithm::PS256])
        .build()
        .unwrap();
    check(&v, &rsa.mint(&claims())).unwrap();
    let ps = rsa.token(&json!({"typ":"at+jwt","alg":"PS256","kid":"rsa"}), &claims());
    assert_eq!(code(check(&v, &ps)), ErrorCode::AlgNotAllowed);
}

#[test]
fn crit_header_always_rejected() {
    let s = Signer::ed("k1");
    for profile in [Profile::Pas, Profile::Rfc9068] {
        let v = builder(&[&s]).profile(profile).build().unwrap();
        for crit in
            [json!(["exp"]), json!(["x-unknown"]), json!([]), json!(["b64"]), json!(["kid", "kid"]), json!(null)]
        {
            let mut h = s.header();
            h["crit"] = crit.clone();
            if crit == json!(["b64"]) {
                h["b64"] = json!(false);
            }
            assert_eq!(code(check(&v, &s.token(&h, &claims()))), ErrorCode::HeaderInvalid, "{profile:?} {crit}");
        }
    }
}

#[test]
fn embedded_jwk_header_is_never_trusted() {
    // J12 / CVE-2018-0114 / CVE-2026-27962: attacker signs with its own key and ships it in `jwk`.
    let victim = Signer::ed("k1");
    let attacker = Signer::ed("k1");
    let mut h = attacker.header();
    h["jwk"] = attacker.jwk();
    let forged = attacker.token(&h, &claims());
    let pas = builder(&[&victim]).profile(Profile::Pas).build().unwrap();
    assert_eq!(code(check(&pas, &forged)), ErrorCode::HeaderInvalid);
    let rfc = builder(&[&victim]).profile(Profile::Rfc9068).build().unwrap();
    assert_eq!(code(check(&rfc, &forged)), ErrorCode::SignatureInvalid);
    // Without a kid, the verifier's single key is used, still not the embedded one.
    let mut h = json!({"typ":"at+jwt","alg":"EdDSA"});
    h["jwk"] = attacker.jwk();
    h["jku"] = json!("https://evil.example/jwks");
    assert_eq!(code(check(&rfc, &attacker.token(&h, &claims()))), ErrorCode::SignatureInvalid);
}

#[test]
fn extra_header_pas_vs_rfc9068() {
    let s = Signer::ed("k1");
    let pas = builder(&[&s]).profile(Profile::Pas).build().unwrap();
    let rfc = verifier(&[&s]);
    for (name, value) in
        [("cty", json!("JWT")), ("x5t", json!("abc")), ("x5u", json!("https://evil")), ("foo", json!(1))]
    {
        let mut h = s.header();
        h[name] = value;
        let t = s.token(&h, &claims());
        assert_eq!(code(check(&pas, &t)), ErrorCode::HeaderInvalid, "{name}");
        check(&rfc, &t).unwrap();
    }
}

#[test]
fn header_json_edge_cases() {
    let s = Signer::ed("k1");
    let v = builder(&[&s]).profile(Profile::Rfc9068).build().unwrap();
    let payload = claims().to_string();
    for header in [
        r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1","alg":"none"}"#,
        r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1","\u0061lg":"EdDSA"}"#,
        r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1","x":1,"x":1}"#,
        r#"["EdDSA"]"#,
        r#""EdDSA""#,
        "\u{feff}{\"typ\":\"at+jwt\",\"alg\":\"EdDSA\",\"kid\":\"k1\"}",
        r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1"} x"#,
        r#"{"typ":"at+jwt","alg":"EdDSA","kid":"k1"#,
    ] {
        assert_eq!(code(check(&v, &s.raw(header, &payload))), ErrorCode::TokenMalformed, "{header}");
    }
    // Invalid UTF-8 in the header.
    let input = format!("{}.{}", B64.encode(b"{\"alg\":\"EdDSA\xff\"}"), B64.encode(&payload));
    let t = format!("{input}.{}", B64.encode(s.sign("EdDSA", input.as_bytes())));
    assert_eq!(code(check(&v, &t)), ErrorCode::TokenMalformed);
}

#[test]
fn kid_rules() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    for kid in [json!(1), json!(["k1"]), json!(null), json!({"k": "k1"})] {
        let t = s.token(&json!({"typ":"at+jwt","alg":"EdDSA","kid":kid}), &claims());
        assert_eq!(code(check(&v, &t)), ErrorCode::TokenMalformed, "{kid}");
    }
    for kid in ["../../x", "' OR 1=1 --", "k1\u{0}", "K1", "k1 ", &"k".repeat(5000)] {
        let t = s.token(&json!({"typ":"at+jwt","alg":"EdDSA","kid":kid}), &claims());
        assert_eq!(code(check(&v, &t)), ErrorCode::KidUnknown, "{kid:.20}");
    }
    // No kid: the single EdDSA key is used; with two EdDSA keys it is ambiguous.
    let t = s.token(&json!({"typ":"at+jwt","alg":"EdDSA"}), &claims());
    assert_eq!(check(&v, &t).unwrap().key_id(), None);
    let other = Signer::ed("k2");
    assert_eq!(code(check(&verifier(&[&s, &other]), &t)), ErrorCode::KidUnknown);
}

// ---------------------------------------------------------------------------------------------
// Signatures (J08-J10)
// ---------------------------------------------------------------------------------------------

#[test]
fn ecdsa_signature_encoding() {
    let s = Signer::ec("ec1");
    let v = builder(&[&s]).algorithms(&[Algorithm::ES256]).build().unwrap();
    let good = s.mint(&claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    check(&v, &good).unwrap();
    let der = s.sign_der(input.as_bytes());
    assert_ne!(der.len(), 64);
    assert_eq!(code(check(&v, &format!("{input}.{}", B64.encode(&der)))), ErrorCode::SignatureInvalid);
    let raw = s.sign("ES256", input.as_bytes());
    for sig in [raw[..63].to_vec(), [raw.clone(), vec![0]].concat(), vec![0u8; 64]] {
        assert_eq!(code(check(&v, &format!("{input}.{}", B64.encode(&sig)))), ErrorCode::SignatureInvalid);
    }
    // r = n, s = n (P-256 group order), the psychic-signature family.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let sig = [n.clone(), n].concat();
    assert_eq!(code(check(&v, &format!("{input}.{}", B64.encode(&sig)))), ErrorCode::SignatureInvalid);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn tampering_and_wrong_key() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let good = s.mint(&claims());
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = B64.encode(with(claims(), "sub", json!("admin")).to_string());
    assert_eq!(code(check(&v, &format!("{}.{forged_payload}.{}", parts[0], parts[2]))), ErrorCode::SignatureInvalid);
    let impostor = Signer::ed("k1");
    assert_eq!(code(check(&v, &impostor.mint(&claims()))), ErrorCode::SignatureInvalid);
    // Ed25519 signature of the wrong length.
    assert_eq!(
        code(check(&v, &format!("{}.{}.{}", parts[0], parts[1], B64.encode([1u8; 63])))),
        ErrorCode::SignatureInvalid
    );
    // A huge signature segment (within the size cap) is refused without decoding into the buffer.
    assert_eq!(
        code(check(&v, &format!("{}.{}.{}", parts[0], parts[1], "A".repeat(2000)))),
        ErrorCode::SignatureInvalid
    );
}

// ---------------------------------------------------------------------------------------------
// Structure and encoding (J05-J07)
// ---------------------------------------------------------------------------------------------

#[test]
fn segment_count() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let good = s.mint(&claims());
    let p: Vec<&str> = good.split('.').collect();
    for bad in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        p[0].to_string(),
        format!("{}.{}", p[0], p[1]),
        format!("{}.{}.{}.{}", p[0], p[1], p[2], p[2]),
        format!("{}.{}.{}.{}.{}", p[0], p[1], p[2], p[2], p[2]),
        format!("{}.{}.", p[0], p[1]),
        format!("{}..{}", p[0], p[2]),
        format!(".{}.{}", p[1], p[2]),
        format!("{good}."),
    ] {
        assert_eq!(code(check(&v, &bad)), ErrorCode::TokenMalformed, "{bad:.40}");
    }
}

#[test]
fn strict_base64url() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    let good = s.mint(&claims());
    let p: Vec<&str> = good.split('.').collect();
    let std_sig = p[2].replace('-', "+").replace('_', "/");
    let mut bad = vec![
        format!("{}=.{}.{}", p[0], p[1], p[2]),
        format!("{}.{}=.{}", p[0], p[1], p[2]),
        format!("{}.{}.{}=", p[0], p[1], p[2]),
        format!("{} .{}.{}", p[0], p[1], p[2]),
        format!("{}.{}\n.{}", p[0], p[1], p[2]),
        format!("{}.{}.\r{}", p[0], p[1], p[2]),
        format!("{}.{}+{}.{}", p[0], &p[1][..10], &p[1][10..], p[2]),
        format!("{}.{}/{}.{}", p[0], &p[1][..10], &p[1][10..], p[2]),
    ];
    if std_sig != p[2] {
        bad.push(format!("{}.{}.{std_sig}", p[0], p[1]));
    }
    // Non-canonical trailing bits: an 86-char Ed25519 signature leaves 4 unused bits in its last
    // character; flip one of them.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = p[2].as_bytes()[p[2].len() - 1];
    let idx = alphabet.iter().position(|c| *c == last).unwrap();
    let tweaked = alphabet[idx ^ 1] as char;
    bad.push(format!("{}.{}.{}{tweaked}", p[0], p[1], &p[2][..p[2].len() - 1]));
    for t in bad {
        assert_eq!(code(check(&v, &t)), ErrorCode::TokenMalformed, "{t:.60}");
    }
    check(&v, &good).unwrap();
}

#[test]
fn size_cap_runs_first() {
    let s = Signer::ed("k1");
    let v = verifier(&[&s]);
    assert_eq!(code(check(&v, &"a".repeat(8193))), ErrorCode::TokenTooLarge);
    assert_eq!(code(check(&v, &".".repeat(100_000))), ErrorCode::TokenTooLarge);
    assert_eq!(code(check(&v, &"x".repeat(16 * 1024 + 1))), ErrorCode::TokenTooLarge);
    // A validly signed token with a 10 KB claim: too large by default, fine with a raised cap.
    let big = s.mint(&with(claims(), "scope", json!("s ".repeat(5000))));
    assert!(big.len() > 8192);
    assert_eq!(code(check(&v, &big)), ErrorCode::TokenTooLarge);
    let roomy = builder(&[&s]).max_token_bytes(64 * 1024).build().unwrap();
    assert_eq!(check(&roomy, &big).unwrap().scopes().len(), 5000);
    // A 1 MB header is refused by the cap before decoding.
    let huge = format!("{}.{}.{}", "e".repeat(1 << 20), "e", "e");
    assert_eq!(code(check(&roomy, &huge)), ErrorCode::TokenTooLarge);
    assert_eq!(code(builder(&[&s]).max_token_bytes(100).build()), ErrorCode::InvalidConfig);
}

// ---------------------------------------------------------------------------------------------
// Static key sets and configuration (K06, K07)
// ---------------------------------------------------------------------------------------------

#[test]
fn static_jwks_must_be_usable() {
    let b = || Verifier::builder(ISS, AUD);
    for bad in [
        "",
        "not json",
        "[]",
        r#"{"keys":"x"}"#,
        r#"{"keys":[]}"#,
        r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#,
        r#"{"nokeys":[]}"#,
    ] {
        assert_eq!(code(b().jwks_json(bad).build()), ErrorCode::JwksInvalid, "{bad}");
    }
}

#[test]
fn unusable_keys_are_skipped() {
    let good = Signer::ed("good");
    let enc = Signer::ed("enc");
    let ops = Signer::ed("ops");
    let ops_ok = Signer::ed("ops-ok");
    let ec_bad = Signer::ec("ec-bad");
    let mut keys = vec![good.jwk()];
    keys.push(with(enc.jwk(), "use", json!("enc")));
    keys.push(with(ops.jwk(), "key_ops", json!(["sign"])));
    keys.push(with(ops_ok.jwk(), "key_ops", json!(["verify"])));
    keys.push(json!({"kty":"oct","kid":"oct","k":B64.encode(b"secret-secret-secret")}));
    let mut small_n = vec![0xc1u8; 128];
    small_n[127] |= 1;
    keys.push(json!({"kty":"RSA","kid":"small","n":B64.encode(&small_n),"e":"AQAB"}));
    keys.push(with(with(ec_bad.jwk(), "x", json!(B64.encode([1u8; 32]))), "y", json!(B64.encode([2u8; 32]))));
    keys.push(with(Signer::ec("p384").jwk(), "crv", json!("P-384")));
    keys.push(with(Signer::ed("x448").jwk(), "crv", json!("Ed448")));
    keys.push(with(Signer::ed("weird-alg").jwk(), "alg", json!("ES256")));
    keys.push(json!({"kty":"OKP","crv":"Ed25519","kid":"short","x":B64.encode([9u8; 31])}));
    let v = Verifier::builder(ISS, AUD)
        .jwks_json(&json!({"keys": keys}).to_string())
        .algorithms(&[Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256])
        .build()
        .unwrap();
    check(&v, &good.mint(&claims())).unwrap();
    check(&v, &ops_ok.mint(&claims())).unwrap();
    for (signer, alg) in [(&enc, "EdDSA"), (&ops, "EdDSA"), (&ec_bad, "ES256")] {
        let t = signer.token(&json!({"typ":"at+jwt","alg":alg,"kid":signer.kid}), &claims());
        assert_eq!(code(check(&v, &t)), ErrorCode::KidUnknown, "{}", signer.kid);
    }
    for kid in ["oct", "small", "p384", "x448", "weird-alg", "short"] {
        let t = good.token(&json!({"typ":"at+jwt","alg":"EdDSA","kid":kid}), &claims());
        assert_eq!(code(check(&v, &t)), ErrorCode::KidUnknown, "{kid}");
    }
}

#[test]
fn duplicate_kid_is_ambiguous() {
    let a = Signer::ed("same");
    let b = Signer::ed("same");
    let other = Signer::ed("other");
    let v = verifier(&[&a, &b, &other]);
    assert_eq!(code(check(&v, &a.mint(&claims()))), ErrorCode::KidUnknown);
    assert_eq!(code(check(&v, &b.mint(&claims()))), ErrorCode::KidUnknown);
    check(&v, &other.mint(&claims())).unwrap();
    // Identical duplicates are merged.
    let v = verifier(&[&a, &a]);
    check(&v, &a.mint(&claims())).unwrap();
    // Only ambiguous keys: nothing usable.
    assert_eq!(code(builder(&[&a, &b]).build()), ErrorCode::JwksInvalid);
}

#[test]
fn configuration_errors() {
    let s = Signer::ed("k1");
    let j = jwks(&[&s]);
    let http = HttpOptions::default();
    assert_eq!(code(Verifier::builder(ISS, AUD).build()), ErrorCode::InvalidConfig);
    assert_eq!(code(Verifier::builder("", AUD).jwks_json(&j).build()), ErrorCode::InvalidConfig);
    assert_eq!(code(Verifier::builder(ISS, "").jwks_json(&j).build()), ErrorCode::InvalidConfig);
    assert_eq!(code(Verifier::builder(ISS, AUD).jwks_json(&j).algorithms(&[]).build()), ErrorCode::InvalidConfig);
    assert_eq!(
        code(Verifier::builder(ISS, AUD).jwks_json(&j).jwks_url("https://pas.example/jwks", http).build()),
        ErrorCode::InvalidConfig
    );
    assert_eq!(
        code(Verifier::builder(ISS, AUD).jwks_json(&j).min_refetch_interval(Duration::from_secs(90_000)).build()),
        ErrorCode::InvalidConfig
    );
    for bad in ["not a url", "http://pas.example/jwks", "ftp://127.0.0.1/jwks"] {
        assert_eq!(code(Verifier::builder(ISS, AUD).jwks_url(bad, http).build()), ErrorCode::InvalidUrl, "{bad}");
    }
    let zero = HttpOptions { connect_timeout: Duration::ZERO, ..HttpOptions::default() };
    assert_eq!(
        code(Verifier::builder(ISS, AUD).jwks_url("https://pas.example/jwks", zero).build()),
        ErrorCode::InvalidConfig
    );
    let url = url::Url::parse("https://pas.example/.well-known/jwks.json").unwrap();
    let v = Verifier::builder(ISS, AUD).jwks_url(url, http).build().unwrap();
    assert_eq!((v.issuer(), v.audience()), (ISS, AUD));
    assert!(!v.has_keys());
    // verify_cached never fetches: no keys yet.
    assert_eq!(code(v.verify_cached_at(&s.mint(&claims()), NOW)), ErrorCode::JwksUnavailable);
    // ...but token-level problems are still reported first.
    assert_eq!(code(v.verify_cached_at("a.b", NOW)), ErrorCode::TokenMalformed);
}

// ---------------------------------------------------------------------------------------------
// JWKS over HTTP (K01-K05, D8)
// ---------------------------------------------------------------------------------------------

struct JwksServer {
    body: Mutex<String>,
    status: AtomicU16,
    hits: AtomicUsize,
    delay_ms: AtomicU64,
    cache_control: Mutex<Option<String>>,
}

impl JwksServer {
    fn set_keys(&self, signers: &[&Signer]) {
        *self.body.lock().unwrap() = jwks(signers);
    }
    fn set_body(&self, body: &str) {
        *self.body.lock().unwrap() = body.to_owned();
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn jwks_handler(axum::extract::State(s): axum::extract::State<Arc<JwksServer>>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    s.hits.fetch_add(1, Ordering::SeqCst);
    let delay = s.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = axum::http::StatusCode::from_u16(s.status.load(Ordering::SeqCst)).unwrap();
    let body = s.body.lock().unwrap().clone();
    let mut response = (status, body).into_response();
    response.headers_mut().insert("content-type", "application/json".parse().unwrap());
    if let Some(cc) = s.cache_control.lock().unwrap().clone() {
        response.headers_mut().insert("cache-control", cc.parse().unwrap());
    }
    response
}

async fn serve(signers: &[&Signer]) -> (Arc<JwksServer>, String) {
    let state = Arc::new(JwksServer {
        body: Mutex::new(jwks(signers)),
        status: AtomicU16::new(200),
        hits: AtomicUsize::new(0),
        delay_ms: AtomicU64::new(0),
        cache_control: Mutex::new(Some("max-age=300".into())),
    });
    let app = axum::Router::new().route("/jwks", axum::routing::get(jwks_handler)).with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (state, format!("http://{addr}/jwks"))
}

fn url_verifier(url: &str, interval: Duration) -> Verifier {
    Verifier::builder(ISS, AUD).jwks_url(url, HttpOptions::default()).min_refetch_interval(interval).build().unwrap()
}

#[tokio::test]
async fn lazy_first_fetch_then_cached() {
    let k1 = Signer::ed("k1");
    let (server, url) = serve(&[&k1]).await;
    let v = url_verifier(&url, Duration::from_secs(30));
    assert_eq!(server.hits(), 0, "build does no I/O");
    assert_eq!(code(v.verify_cached_at(&k1.mint(&claims()), NOW)), ErrorCode::JwksUnavailable);
    assert_eq!(server.hits(), 0, "verify_cached does no I/O");
    v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 1);
    v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
    v.verify_cached_at(&k1.mint(&claims()), NOW).unwrap();
    v.clone().verify_at(&k1.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 1);
    // Token-level rejects never fetch.
    assert_eq!(code(v.verify_at("a.b.c.d", NOW).await), ErrorCode::TokenMalformed);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn unknown_kid_refetch_is_rate_limited() {
    let interval = Duration::from_millis(300);
    let k1 = Signer::ed("k1");
    let k2 = Signer::ed("k2");
    let k3 = Signer::ed("k3");
    let (server, url) = serve(&[&k1]).await;
    let v = url_verifier(&url, interval);
    v.prefetch().await.unwrap();
    assert_eq!(server.hits(), 1);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;

    // K01: the AS adds k2; the first k2 token costs exactly one refetch, later ones none.
    server.set_keys(&[&k1, &k2]);
    v.verify_at(&k2.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 2);
    v.verify_at(&k2.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 2);

    // K04: another unknown kid within the interval: rejected without a fetch.
    server.set_keys(&[&k1, &k2, &k3]);
    assert_eq!(code(v.verify_at(&k3.mint(&claims()), NOW).await), ErrorCode::KidUnknown);
    assert_eq!(server.hits(), 2);

    // After the interval: one more fetch, and k3 is accepted.
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    v.verify_at(&k3.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn retired_key_rejected_after_refetch() {
    // K02: k1 removed from the JWKS; after the refetch its tokens are unknown.
    let interval = Duration::from_millis(200);
    let k1 = Signer::ed("k1");
    let k2 = Signer::ed("k2");
    let (server, url) = serve(&[&k1]).await;
    let v = url_verifier(&url, interval);
    v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
    server.set_keys(&[&k2]);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    v.verify_at(&k2.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 2);
    assert_eq!(code(v.verify_cached_at(&k1.mint(&claims()), NOW)), ErrorCode::KidUnknown);
    assert_eq!(code(v.verify_at(&k1.mint(&claims()), NOW).await), ErrorCode::KidUnknown);
    assert_eq!(server.hits(), 2);
    // Explicit prefetch ignores the interval.
    server.set_keys(&[&k1]);
    v.prefetch().await.unwrap();
    assert_eq!(server.hits(), 3);
    v.verify_cached_at(&k1.mint(&claims()), NOW).unwrap();
    assert_eq!(code(v.verify_cached_at(&k2.mint(&claims()), NOW)), ErrorCode::KidUnknown);
}

#[tokio::test]
async fn stale_keys_survive_a_failing_endpoint() {
    // K05 / D8 stale-on-failure.
    let interval = Duration::from_millis(100);
    let k1 = Signer::ed("k1");
    let k2 = Signer::ed("k2");
    let (server, url) = serve(&[&k1]).await;
    let v = url_verifier(&url, interval);
    v.prefetch().await.unwrap();
    for (status, body) in [
        (500, String::from("oops")),
        (200, String::from("<html>not json</html>")),
        (200, String::from(r#"{"keys":"x"}"#)),
        (200, String::from(r#"{"keys":[]}"#)),
        (200, format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(2 << 20))),
        (302, String::new()),
    ] {
        server.status.store(status, Ordering::SeqCst);
        server.set_body(&body);
        tokio::time::sleep(interval + Duration::from_millis(20)).await;
        let before = server.hits();
        // The unknown kid triggers a refetch, which fails: still unknown.
        assert_eq!(code(v.verify_at(&k2.mint(&claims()), NOW).await), ErrorCode::KidUnknown);
        assert_eq!(server.hits(), before + 1, "status {status}");
        // The last good set still verifies.
        v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
        let expected = if status == 200 { ErrorCode::JwksInvalid } else { ErrorCode::JwksUnavailable };
        tokio::time::sleep(interval + Duration::from_millis(20)).await;
        let e = v.prefetch().await.unwrap_err();
        assert_eq!(e.code(), expected, "status {status}");
        if status != 200 {
            assert_eq!(e.status(), Some(status));
        }
        v.verify_cached_at(&k1.mint(&claims()), NOW).unwrap();
    }
}

#[tokio::test]
async fn never_loaded_and_endpoint_down() {
    let interval = Duration::from_millis(200);
    let k1 = Signer::ed("k1");
    let (server, url) = serve(&[&k1]).await;
    server.status.store(500, Ordering::SeqCst);
    let v = url_verifier(&url, interval);
    assert_eq!(code(v.verify_at(&k1.mint(&claims()), NOW).await), ErrorCode::JwksUnavailable);
    assert_eq!(server.hits(), 1);
    // Within the interval: no new attempt.
    assert_eq!(code(v.verify_at(&k1.mint(&claims()), NOW).await), ErrorCode::JwksUnavailable);
    assert_eq!(server.hits(), 1);
    // Recovery after the interval.
    server.status.store(200, Ordering::SeqCst);
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn unreachable_endpoint() {
    // Bind then drop a listener to get a closed port.
    let addr = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let k1 = Signer::ed("k1");
    let v = url_verifier(&format!("http://{addr}/jwks"), Duration::from_secs(30));
    assert_eq!(code(v.prefetch().await), ErrorCode::PasTransport);
    assert_eq!(code(v.verify_at(&k1.mint(&claims()), NOW).await), ErrorCode::JwksUnavailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_unknown_kid() {
    // K03: 50 concurrent verifications with a new kid share one fetch.
    let interval = Duration::from_millis(300);
    let k1 = Signer::ed("k1");
    let k2 = Signer::ed("k2");
    let (server, url) = serve(&[&k1]).await;
    let v = url_verifier(&url, interval);
    v.prefetch().await.unwrap();
    tokio::time::sleep(interval + Duration::from_millis(50)).await;
    server.set_keys(&[&k1, &k2]);
    server.delay_ms.store(150, Ordering::SeqCst);
    let token = Arc::new(k2.mint(&claims()));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let v = v.clone();
            let token = token.clone();
            tokio::spawn(async move { v.verify_at(&token, NOW).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(server.hits(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn single_flight_first_load_and_random_kids() {
    let k1 = Signer::ed("k1");
    let (server, url) = serve(&[&k1]).await;
    server.delay_ms.store(150, Ordering::SeqCst);
    let v = url_verifier(&url, Duration::from_secs(30));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let v = v.clone();
            let token = if i % 2 == 0 {
                k1.mint(&claims())
            } else {
                k1.token(&json!({"typ":"at+jwt","alg":"EdDSA","kid":format!("random-{i}")}), &claims())
            };
            tokio::spawn(async move { (i, v.verify_at(&token, NOW).await) })
        })
        .collect();
    for t in tasks {
        let (i, result) = t.await.unwrap();
        if i % 2 == 0 {
            result.unwrap();
        } else {
            assert_eq!(code(result), ErrorCode::KidUnknown);
        }
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn cache_control_variants_load() {
    // The TTL clamp itself is unit-tested (jwt::jwks); here: odd headers never break a load.
    let k1 = Signer::ed("k1");
    for cc in [None, Some("max-age=0"), Some("no-store"), Some("max-age=99999999"), Some("garbage")] {
        let (server, url) = serve(&[&k1]).await;
        *server.cache_control.lock().unwrap() = cc.map(str::to_owned);
        let v = url_verifier(&url, Duration::from_secs(30));
        v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
        v.verify_at(&k1.mint(&claims()), NOW).await.unwrap();
        assert_eq!(server.hits(), 1, "{cc:?}");
    }
}
