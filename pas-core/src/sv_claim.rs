//! Reads the `sv` (session version) claim from the access token PAS just returned (D1, D15).
//!
//! On the session path the new `sv` comes from the payload of the access token received on the
//! refresh call, decoded without a signature check: it came straight from PAS over TLS, and only
//! its `sv` matters (security-testing T13). This module only reads and classifies the claim; the
//! session machine decides what a missing, invalid or regressed value means.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

/// What the refreshed access token says about `sv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvClaim {
    /// No `sv` (absent or `null`), or the payload is not base64url JSON (D1: `sv_missing`).
    Missing,
    /// `sv` is present but not a non-negative integer that fits `i64`, or appears twice
    /// (D15: `sv_invalid`).
    Invalid,
    /// A valid session version.
    Value(i64),
}

/// Only the claim pas reads; a derived struct rejects a duplicated `sv` (RFC 7519 §4).
#[derive(Deserialize)]
struct SvOnly {
    #[serde(default)]
    sv: Option<Value>,
}

/// Classifies the `sv` claim of an access token without verifying its signature.
#[must_use]
pub fn read_sv_unverified(access_token: &str) -> SvClaim {
    let mut parts = access_token.split('.');
    let (Some(_header), Some(payload)) = (parts.next(), parts.next()) else {
        return SvClaim::Missing;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload) else {
        return SvClaim::Missing;
    };
    // The payload must be a JSON object; anything else is "not base64url JSON".
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(&bytes) else {
        return SvClaim::Missing;
    };
    if !object.contains_key("sv") {
        return SvClaim::Missing;
    }
    // The object parse above is last-wins; this one fails on a duplicate `sv`.
    let Ok(SvOnly { sv }) = serde_json::from_slice::<SvOnly>(&bytes) else {
        return SvClaim::Invalid;
    };
    match sv {
        None | Some(Value::Null) => SvClaim::Missing,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if v >= 0 => SvClaim::Value(v),
            _ => SvClaim::Invalid,
        },
        Some(_) => SvClaim::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("eyJhbGciOiJFZERTQSJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(payload))
    }

    #[test]
    fn classifies_every_shape() {
        assert_eq!(read_sv_unverified(&token(r#"{"sv":7}"#)), SvClaim::Value(7));
        assert_eq!(read_sv_unverified(&token(r#"{"sv":0}"#)), SvClaim::Value(0));
        assert_eq!(read_sv_unverified(&token(r#"{"sub":"x"}"#)), SvClaim::Missing);
        assert_eq!(read_sv_unverified(&token(r#"{"sv":null}"#)), SvClaim::Missing);
        assert_eq!(read_sv_unverified(&token("not json")), SvClaim::Missing);
        assert_eq!(read_sv_unverified(&token("[1]")), SvClaim::Missing);
        assert_eq!(read_sv_unverified("no-dots"), SvClaim::Missing);
        // serde_json refuses a number beyond f64: the payload is then not JSON at all.
        assert_eq!(read_sv_unverified(&token(r#"{"sv":1e400}"#)), SvClaim::Missing);
        assert_eq!(read_sv_unverified("a.%%%.c"), SvClaim::Missing);
        for bad in [r#""2""#, "2.0", "-1", "true", "[2]", "9223372036854775808", "{}"] {
            assert_eq!(read_sv_unverified(&token(&format!(r#"{{"sv":{bad}}}"#))), SvClaim::Invalid, "{bad}");
        }
        assert_eq!(read_sv_unverified(&token(r#"{"sv":1,"sv":9}"#)), SvClaim::Invalid);
        assert_eq!(read_sv_unverified(&token(&format!(r#"{{"sv":{}}}"#, i64::MAX))), SvClaim::Value(i64::MAX));
    }
}
