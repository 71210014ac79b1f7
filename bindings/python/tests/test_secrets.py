"""No secret (token, key, plaintext, code verifier, ciphertext) in repr/str of any object or
exception."""

from __future__ import annotations

from typing import List

import pytest

import pas
from jwtkit import AUDIENCE, ISSUER, Keys
from pas.testing import EffectLog, ScriptedPas
from worlds import World

SECRET = "rt-SECRET-plaintext-0123456789"


def texts(*objs: object) -> List[str]:
    out: List[str] = []
    for o in objs:
        out += [repr(o), str(o)]
    return out


def test_objects_never_show_secrets() -> None:
    key = pas.TokenCipher.generate_key()
    cipher = pas.TokenCipher(key, [pas.TokenCipher.generate_key()])
    ct = cipher.encrypt(SECRET)
    config = pas.PasConfig("c", "http://127.0.0.1/cb", "http://127.0.0.1:9")
    req = config.authorization_request()
    client, aclient = pas.Client(config), pas.AsyncClient(config)
    keys = Keys()
    token = keys.token()
    verifier = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks)
    verified = verifier.verify(token)
    w = World("sync")
    w.refresh_ok(4, SECRET)
    v = w.validate()
    sp = ScriptedPas(EffectLog())
    check = w.validator._core.start("s1")
    step = check.feed_session("p", 1)
    step = check.feed_cache(None)
    step2 = check.feed_ciphertext(ct)
    result = w.validator._core.refresh_at_pas("s1", ct)
    live = client.liveness_refresh(ct, cipher)
    secrets = [key, SECRET, ct, req.code_verifier, token, token.split(".")[2]]
    for text in texts(cipher, config, req, client, aclient, verifier, verified, w.validator, v, sp, check, step,
                      step2, result, live, pas.MemorySvCache()):
        for s in secrets:
            assert s not in text, (s, text)


def test_token_response_repr_hides_tokens() -> None:
    # A TokenResponse from the scripted path is not reachable; use the devserver-free parse path
    # through the client's error instead, and check the class's repr on a live one in the
    # devserver tests. Here: exceptions from bad input never echo it.
    cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
    for bad in [SECRET, "A" * 40 + SECRET]:
        with pytest.raises(pas.PasError) as info:
            cipher.decrypt(bad)
        for t in texts(info.value) + [repr(info.value.args)]:
            assert SECRET not in t
    with pytest.raises(pas.InvalidVerifierError) as vinfo:
        pas.code_challenge(SECRET + "+")
    assert SECRET not in str(vinfo.value)
    with pytest.raises(pas.KeyInvalidError) as kinfo:
        pas.TokenCipher(SECRET)
    assert SECRET not in str(kinfo.value) and SECRET not in repr(kinfo.value)
    keys = Keys()
    verifier = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks)
    bad_token = keys.token(sub=SECRET, iss="https://" + SECRET)
    with pytest.raises(pas.IssuerInvalidError) as tinfo:
        verifier.verify(bad_token)
    for t in texts(tinfo.value):
        assert SECRET not in t and bad_token not in t


def test_devserver_token_response_repr(devserver: object) -> None:
    from conftest import DevServer

    assert isinstance(devserver, DevServer)
    answer = devserver.control("POST", "/tokens", {"account": "alice", "client_id": "pas-demo"})
    config = pas.PasConfig("pas-demo", "http://127.0.0.1:8765/cb", devserver.base_url)
    client = pas.Client(config)
    tokens = client.refresh(answer["refresh_token"])
    for t in texts(tokens):
        assert tokens.access_token not in t
        assert (tokens.refresh_token or "x" * 99) not in t
        assert answer["refresh_token"] not in t
    with pytest.raises(pas.PasRejectedError) as info:
        client.refresh(SECRET)
    for t in texts(info.value):
        assert SECRET not in t
