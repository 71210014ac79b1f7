"""PKCE (RFC 7636 Appendix B), authorization URLs and the refresh-token cipher."""

from __future__ import annotations

import base64
import urllib.parse

import pytest

import pas

RFC7636_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC7636_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_rfc7636_appendix_b() -> None:
    assert pas.code_challenge(RFC7636_VERIFIER) == RFC7636_CHALLENGE


def test_generated_values() -> None:
    v = pas.generate_code_verifier()
    assert len(v) == 64
    pas.validate_code_verifier(v)
    assert len(pas.code_challenge(v)) == 43
    assert v != pas.generate_code_verifier()
    s = pas.generate_state()
    assert len(s) == 22 and s != pas.generate_state()


@pytest.mark.parametrize("bad", ["a" * 42, "a" * 129, "a" * 42 + "+", "é" * 30])
def test_bad_verifiers(bad: str) -> None:
    with pytest.raises(pas.InvalidVerifierError) as info:
        pas.code_challenge(bad)
    assert isinstance(info.value, ValueError) and info.value.code == "invalid_verifier"
    assert bad not in str(info.value)


def test_authorization_url_exact() -> None:
    config = pas.PasConfig("my-client", "https://app.example/cb?x=1", "https://pas.example")
    req = config.authorization_request(code_verifier=RFC7636_VERIFIER, state="st-123")
    assert req.url == (
        "https://pas.example/oauth/authorize?response_type=code&client_id=my-client"
        "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1&state=st-123"
        f"&code_challenge={RFC7636_CHALLENGE}&code_challenge_method=S256&scope=openid+profile"
    )
    assert req.state == "st-123" and req.code_verifier == RFC7636_VERIFIER
    fresh = config.authorization_request()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(fresh.url).query))
    assert query["code_challenge"] == pas.code_challenge(fresh.code_verifier)
    assert query["state"] == fresh.state
    assert config.token_endpoint == "https://pas.example/oauth/token"
    assert config.scopes == ("openid", "profile")


def test_config_rules() -> None:
    with pytest.raises(pas.InvalidUrlError):
        pas.PasConfig("c", "https://app/cb", "http://pas.example")  # http only on loopback
    with pytest.raises(pas.InvalidConfigError):
        pas.PasConfig("", "https://app/cb", "https://pas.example")
    local = pas.PasConfig("c", "http://127.0.0.1/cb", "http://127.0.0.1:8080", scopes=["openid"])
    assert local.scopes == ("openid",)


def test_cipher_round_trip_and_fresh_nonces() -> None:
    c = pas.TokenCipher(pas.TokenCipher.generate_key())
    a, b = c.encrypt("rt-123"), c.encrypt("rt-123")
    assert a != b
    assert c.decrypt(a) == "rt-123" == c.decrypt(b)
    assert c.decrypt(c.encrypt("")) == ""
    big = "x" * 100_000
    assert c.decrypt(c.encrypt(big)) == big
    assert len(base64.b64decode(a)) == 12 + len("rt-123") + 16


def test_cipher_key_rules() -> None:
    with pytest.raises(pas.KeyInvalidError):
        pas.TokenCipher("not base64!")
    with pytest.raises(pas.KeyWrongLengthError):
        pas.TokenCipher(base64.b64encode(bytes(31)).decode())
    assert pas.TokenCipher("  " + base64.b64encode(bytes(32)).decode() + "\n").key_count == 1


def test_cipher_tamper_truncate_wrong_key() -> None:
    c = pas.TokenCipher(pas.TokenCipher.generate_key())
    raw = base64.b64decode(c.encrypt("rt-123"))
    for i in range(len(raw)):
        t = bytearray(raw)
        t[i] ^= 0x01
        with pytest.raises(pas.DecryptFailedError):
            c.decrypt(base64.b64encode(bytes(t)).decode())
    with pytest.raises(pas.CiphertextTruncatedError):
        c.decrypt(base64.b64encode(raw[:27]).decode())
    with pytest.raises(pas.CiphertextMalformedError):
        c.decrypt("%%%")
    other = pas.TokenCipher(pas.TokenCipher.generate_key())
    with pytest.raises(pas.DecryptFailedError) as info:
        other.decrypt(base64.b64encode(raw).decode())
    assert isinstance(info.value, pas.CryptoError)


def test_key_ring_rotation() -> None:
    k1, k2 = pas.TokenCipher.generate_key(), pas.TokenCipher.generate_key()
    sealed_old = pas.TokenCipher(k1).encrypt("rt-old")
    ring = pas.TokenCipher(k2, [k1])
    assert ring.key_count == 2
    assert ring.decrypt(sealed_old) == "rt-old"
    sealed_new = ring.encrypt("rt-new")
    assert pas.TokenCipher(k2).decrypt(sealed_new) == "rt-new"
    with pytest.raises(pas.DecryptFailedError):
        pas.TokenCipher(k1).decrypt(sealed_new)
