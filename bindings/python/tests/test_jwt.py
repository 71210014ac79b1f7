"""Access-token verification: accepted tokens become frozen ``VerifiedToken``s; rejected ones
raise the ``TokenError`` subclass of their stable code."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Type

import pytest

import pas
from jwtkit import AUDIENCE, ISSUER, Keys, b64u


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def verifier(keys: Keys) -> pas.Verifier:
    return pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks)


def test_valid_token_gives_typed_frozen_result(keys: Keys, verifier: pas.Verifier) -> None:
    t = verifier.verify(keys.token())
    assert t.subject == "7NT2EH13K2PRVXYNEH52Q93JF8"
    assert t.sv == 3
    assert t.session_id == "sid-1"
    assert t.client_id == AUDIENCE
    assert t.scopes == ("openid", "profile")
    assert t.has_scope("openid") and not t.has_scope("admin")
    assert t.issuer == ISSUER
    assert t.audiences == (AUDIENCE,)
    assert t.key_id == "ed1"
    assert t.algorithm == "EdDSA"
    assert t.jwt_id == "jti-1"
    assert t.expires_at > t.issued_at
    assert t.not_before is None
    with pytest.raises(AttributeError):
        t.sv = 9  # type: ignore[misc]
    assert verifier.verify_cached(keys.token()).subject == t.subject


def test_jwks_as_json_string_and_fixed_clock(keys: Keys) -> None:
    v = pas.Verifier(ISSUER, AUDIENCE, jwks=json.dumps(keys.jwks), leeway=0)
    token = keys.token(iat=1_000_000, exp=1_000_300)
    assert v.verify_at(token, 1_000_100).sv == 3
    with pytest.raises(pas.TokenExpiredError):
        v.verify_at(token, 1_000_300)


def test_rs256_needs_to_be_allowed(keys: Keys) -> None:
    token = keys.token(header={"alg": "RS256", "kid": "rsa1"})
    with pytest.raises(pas.AlgNotAllowedError):
        pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks).verify(token)
    v = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks, algorithms=["EdDSA", "RS256"])
    assert v.verify(token).algorithm == "RS256"


def _none_token() -> str:
    header = b64u(json.dumps({"alg": "none", "typ": "at+jwt"}).encode())
    payload = b64u(json.dumps({"iss": ISSUER}).encode())
    return f"{header}.{payload}.c2ln"


now = int(time.time())
REJECT: Dict[str, Any] = {
    "expired": (dict(iat=now - 1000, exp=now - 500), {}, (), pas.TokenExpiredError),
    "not_yet_valid": (dict(nbf=now + 1000), {}, (), pas.TokenNotYetValidError),
    "iat_in_future": (dict(iat=now + 1000, exp=now + 2000), {}, (), pas.IatInFutureError),
    "lifetime_too_long": (dict(iat=now, exp=now + 25 * 3600), {}, (), pas.LifetimeTooLongError),
    "wrong_issuer": (dict(iss="https://evil.example"), {}, (), pas.IssuerInvalidError),
    "wrong_audience": (dict(aud="other-client"), {}, (), pas.AudienceInvalidError),
    "missing_exp": ({}, {}, ("exp",), pas.ClaimMissingError),
    "missing_sub": ({}, {}, ("sub",), pas.ClaimMissingError),
    "sv_string": (dict(sv="2"), {}, (), pas.ClaimInvalidError),
    "sv_negative": (dict(sv=-1), {}, (), pas.ClaimInvalidError),
    "hs256": ({}, {"alg": "HS256"}, (), pas.AlgNotAllowedError),
    "typ_jwt": ({}, {"typ": "JWT"}, (), pas.TypInvalidError),
    "crit": ({}, {"crit": ["exp"]}, (), pas.HeaderInvalidError),
    "unknown_kid": ({}, {"kid": "nope"}, (), pas.KidUnknownError),
}


@pytest.mark.parametrize("case", sorted(REJECT))
def test_rejected_tokens_raise_their_code(keys: Keys, verifier: pas.Verifier, case: str) -> None:
    claims, header, drop, cls = REJECT[case]
    with pytest.raises(cls) as info:
        verifier.verify(keys.token(claims, header, drop))
    err = info.value
    assert isinstance(err, pas.TokenError) and isinstance(err, pas.PasError)
    assert err.code == cls.code
    assert str(err).startswith(cls.code)


@pytest.mark.parametrize(
    "token,cls",
    [
        ("a.b", pas.TokenMalformedError),
        ("not a jwt at all", pas.TokenMalformedError),
        ("x" * 10_000, pas.TokenTooLargeError),
        (_none_token(), pas.AlgNotAllowedError),
    ],
)
def test_malformed_tokens(verifier: pas.Verifier, token: str, cls: Type[pas.PasError]) -> None:
    with pytest.raises(cls):
        verifier.verify(token)


def test_bad_signature(keys: Keys, verifier: pas.Verifier) -> None:
    token = keys.token()
    head, payload, sig = token.split(".")
    forged = b64u(json.dumps({"iss": ISSUER, "sub": "someone-else"}).encode())
    with pytest.raises(pas.SignatureInvalidError) as info:
        verifier.verify(f"{head}.{forged}.{sig}")
    assert info.value.code == "signature_invalid" and info.value.number == 406


def test_pas_profile_requires_cat_access(keys: Keys) -> None:
    v = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks, profile="pas")
    assert v.verify(keys.token()).sv == 3
    with pytest.raises(pas.CategoryInvalidError):
        v.verify(keys.token(cat="refresh"))


def test_configuration_errors_are_value_errors(keys: Keys) -> None:
    with pytest.raises(pas.InvalidConfigError) as info:
        pas.Verifier(ISSUER, AUDIENCE)
    assert isinstance(info.value, ValueError)
    with pytest.raises(ValueError):
        pas.Verifier("", AUDIENCE, jwks=keys.jwks)
    with pytest.raises(pas.InvalidConfigError):
        pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks, algorithms=["HS256"])
    with pytest.raises(pas.InvalidConfigError):
        pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks, leeway=301)
    with pytest.raises(pas.InvalidUrlError):
        pas.Verifier(ISSUER, AUDIENCE, jwks_url="http://example.com/jwks.json")
    with pytest.raises(pas.JwksInvalidError):
        pas.Verifier(ISSUER, AUDIENCE, jwks={"keys": []})


def test_url_verifier_without_server_is_unavailable(keys: Keys) -> None:
    v = pas.Verifier(ISSUER, AUDIENCE, jwks_url="http://127.0.0.1:9/jwks.json", connect_timeout=1, request_timeout=1)
    assert not v.has_keys
    with pytest.raises(pas.JwksUnavailableError):
        v.verify_cached(keys.token())
    with pytest.raises(pas.JwksUnavailableError):
        v.verify(keys.token())


async def test_verify_async(keys: Keys, verifier: pas.Verifier) -> None:
    t = await verifier.verify_async(keys.token())
    assert t.sv == 3
    with pytest.raises(pas.TokenExpiredError):
        await verifier.verify_async(keys.token(iat=now - 1000, exp=now - 500))
