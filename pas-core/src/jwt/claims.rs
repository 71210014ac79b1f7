//! One-pass JSON readers for the JOSE header and the claims set.
//!
//! Both readers reject duplicate member names (compared after JSON unescaping), keep known members
//! in loosely typed slots so that a wrong type becomes a precise error code later (instead of a
//! generic JSON error), and skip unknown members without building them. The check and the use read
//! the same parse (RFC 7519 §4, catalogue C08).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value read only as far as the claim rules need.
#[derive(Debug)]
pub(crate) enum Loose<'a> {
    /// A string.
    Str(Cow<'a, str>),
    /// A non-negative integer written without fraction or exponent.
    UInt(u64),
    /// An array whose elements are all strings (possibly empty).
    StrArray(Vec<Cow<'a, str>>),
    /// Anything else: negative or fractional number, bool, null, object, mixed array.
    Other,
}

impl<'de> Deserialize<'de> for Loose<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor)
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Loose::Str(Cow::Owned(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).map_or(Loose::Other, Loose::UInt))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Loose::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element::<Loose<'de>>()? {
                Some(Loose::Str(s)) => out.push(s),
                Some(_) => break,
                None => return Ok(Loose::StrArray(out)),
            }
        }
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Loose::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Loose::Other)
    }
}

/// Skips any JSON value through `deserialize_any`, so serde_json's recursion limit (128) applies
/// to unknown members too (its `IgnoredAny` skipping is iterative and has no depth limit): a
/// nesting bomb is a clean `token_malformed`, wherever it sits.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E: de::Error>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// A member name, borrowed from the input when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Tracks member names not handled by a slot, to reject duplicates among them.
#[derive(Default)]
struct Unknown<'a> {
    seen: Option<HashSet<Cow<'a, str>>>,
}

impl<'a> Unknown<'a> {
    fn insert<E: de::Error>(&mut self, key: Cow<'a, str>) -> Result<(), E> {
        if self.seen.get_or_insert_with(HashSet::new).insert(key) { Ok(()) } else { Err(E::custom("duplicate member")) }
    }
}

fn fill<'de, A: MapAccess<'de>>(slot: &mut Option<Loose<'de>>, map: &mut A) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::custom("duplicate member"));
    }
    *slot = Some(map.next_value::<Loose<'de>>()?);
    Ok(())
}

/// The JOSE header.
#[derive(Debug, Default)]
pub(crate) struct RawHeader<'a> {
    pub alg: Option<Loose<'a>>,
    pub typ: Option<Loose<'a>>,
    pub kid: Option<Loose<'a>>,
    /// `crit` is present (its value is never looked at: no extension is supported).
    pub crit: bool,
    /// A member other than `alg`, `typ`, `kid`, `crit` is present.
    pub extra: bool,
}

impl<'de> Deserialize<'de> for RawHeader<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HeaderVisitor;
        impl<'de> Visitor<'de> for HeaderVisitor {
            type Value = RawHeader<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JOSE header object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut h = RawHeader::default();
                let mut unknown = Unknown::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match key.as_ref() {
                        "alg" => fill(&mut h.alg, &mut map)?,
                        "typ" => fill(&mut h.typ, &mut map)?,
                        "kid" => fill(&mut h.kid, &mut map)?,
                        "crit" => {
                            if h.crit {
                                return Err(de::Error::custom("duplicate member"));
                            }
                            h.crit = true;
                            map.next_value::<Skip>()?;
                        }
                        _ => {
                            unknown.insert(key)?;
                            h.extra = true;
                            map.next_value::<Skip>()?;
                        }
                    }
                }
                Ok(h)
            }
        }
        deserializer.deserialize_map(HeaderVisitor)
    }
}

/// The claims set, known claims in slots.
#[derive(Debug, Default)]
pub(crate) struct RawClaims<'a> {
    pub iss: Option<Loose<'a>>,
    pub aud: Option<Loose<'a>>,
    pub exp: Option<Loose<'a>>,
    pub iat: Option<Loose<'a>>,
    pub nbf: Option<Loose<'a>>,
    pub sub: Option<Loose<'a>>,
    pub client_id: Option<Loose<'a>>,
    pub jti: Option<Loose<'a>>,
    pub sid: Option<Loose<'a>>,
    pub scope: Option<Loose<'a>>,
    pub sv: Option<Loose<'a>>,
    pub cat: Option<Loose<'a>>,
}

impl<'de> Deserialize<'de> for RawClaims<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ClaimsVisitor;
        impl<'de> Visitor<'de> for ClaimsVisitor {
            type Value = RawClaims<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JWT claims set object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut c = RawClaims::default();
                let mut unknown = Unknown::default();
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let slot = match key.as_ref() {
                        "iss" => &mut c.iss,
                        "aud" => &mut c.aud,
                        "exp" => &mut c.exp,
                        "iat" => &mut c.iat,
                        "nbf" => &mut c.nbf,
                        "sub" => &mut c.sub,
                        "client_id" => &mut c.client_id,
                        "jti" => &mut c.jti,
                        "sid" => &mut c.sid,
                        "scope" => &mut c.scope,
                        "sv" => &mut c.sv,
                        "cat" => &mut c.cat,
                        _ => {
                            unknown.insert(key)?;
                            map.next_value::<Skip>()?;
                            continue;
                        }
                    };
                    fill(slot, &mut map)?;
                }
                Ok(c)
            }
        }
        deserializer.deserialize_map(ClaimsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_duplicates_rejected_even_when_escaped() {
        assert!(serde_json::from_slice::<RawHeader<'_>>(br#"{"alg":"EdDSA","alg":"none"}"#).is_err());
        assert!(serde_json::from_slice::<RawHeader<'_>>(br#"{"alg":"EdDSA","\u0061lg":"none"}"#).is_err());
        assert!(serde_json::from_slice::<RawHeader<'_>>(br#"{"x":1,"x":2}"#).is_err());
        assert!(serde_json::from_slice::<RawHeader<'_>>(br#"{"crit":[],"crit":[]}"#).is_err());
        let h = serde_json::from_slice::<RawHeader<'_>>(br#"{"alg":"EdDSA","x":1}"#);
        assert!(matches!(h, Ok(RawHeader { extra: true, .. })));
    }

    #[test]
    fn header_must_be_object() {
        for input in [&b"[]"[..], b"\"x\"", b"1", b"null", b"\xEF\xBB\xBF{}", b"{} x"] {
            assert!(serde_json::from_slice::<RawHeader<'_>>(input).is_err());
        }
    }

    #[test]
    fn loose_types() {
        let c: RawClaims<'_> = serde_json::from_slice(
            br#"{"exp":1,"iat":-1,"nbf":1.0,"sv":"2","aud":["a","b"],"sub":[1],"jti":null,"cat":{}}"#,
        )
        .unwrap_or_default();
        assert!(matches!(c.exp, Some(Loose::UInt(1))));
        assert!(matches!(c.iat, Some(Loose::Other)));
        assert!(matches!(c.nbf, Some(Loose::Other)));
        assert!(matches!(c.sv, Some(Loose::Str(_))));
        assert!(matches!(c.aud, Some(Loose::StrArray(ref v)) if v.len() == 2));
        assert!(matches!(c.sub, Some(Loose::Other)));
        assert!(matches!(c.jti, Some(Loose::Other)));
        assert!(matches!(c.cat, Some(Loose::Other)));
    }

    #[test]
    fn claims_duplicates_rejected() {
        assert!(serde_json::from_slice::<RawClaims<'_>>(br#"{"sv":1,"exp":2,"sv":9}"#).is_err());
        assert!(serde_json::from_slice::<RawClaims<'_>>(br#"{"foo":1,"foo":1}"#).is_err());
        assert!(serde_json::from_slice::<RawClaims<'_>>(br#"{"foo":1,"bar":1}"#).is_ok());
    }
}
