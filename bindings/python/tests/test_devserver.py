"""Against pas-devserver: code flow, refresh, verification, break-glass, revoke and PAS down,
through the sync and the asyncio APIs."""

from __future__ import annotations

import asyncio
import urllib.error
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import pytest

import pas
from conftest import DevServer

CLIENT = "pas-demo"
REDIRECT = "http://127.0.0.1:8765/cb"


@dataclass
class Row:
    ppnum_id: str
    sv: Optional[int]
    ciphertext: Optional[str]


class Store:
    def __init__(self) -> None:
        self.rows: Dict[str, Row] = {}

    def find(self, session_id: str) -> Optional[Row]:
        return self.rows.get(session_id)

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        row = self.rows.get(session_id)
        return row.ciphertext if row else None

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        row = self.rows[session_id]
        row.sv = sv
        if rotated_ciphertext is not None:
            row.ciphertext = rotated_ciphertext


class AsyncStore:
    def __init__(self, inner: Store) -> None:
        self.inner = inner

    async def find(self, session_id: str) -> Optional[Row]:
        return self.inner.find(session_id)

    async def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        return self.inner.refresh_ciphertext(session_id)

    async def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        self.inner.persist_refresh(session_id, sv, rotated_ciphertext)


def login(server: DevServer, client: pas.Client, account: str) -> Tuple[pas.TokenResponse, pas.AuthorizationRequest]:
    req = client.config.authorization_request()
    answer = server.control(
        "POST",
        "/login",
        {
            "account": account,
            "redirect_uri": REDIRECT,
            "code_challenge": pas.code_challenge(req.code_verifier),
            "state": req.state,
            "client_id": CLIENT,
        },
    )
    return client.exchange_code(answer["code"], req.code_verifier), req


@pytest.fixture
def config(devserver: DevServer) -> pas.PasConfig:
    devserver.control("POST", "/reset")
    return pas.PasConfig(CLIENT, REDIRECT, devserver.base_url, request_timeout=2, connect_timeout=2)


def test_discovery(devserver: DevServer) -> None:
    config = pas.discover(devserver.issuer, CLIENT, REDIRECT)
    assert config.token_endpoint == devserver.base_url + "/oauth/token"
    assert config.issuer == devserver.issuer


def test_code_flow_refresh_and_verify(devserver: DevServer, config: pas.PasConfig) -> None:
    client = pas.Client(config)
    tokens, _ = login(devserver, client, "alice")
    assert tokens.token_type.lower() == "bearer"
    assert tokens.refresh_token and tokens.sv == 1 or tokens.sv is not None
    verifier = pas.Verifier(devserver.issuer, CLIENT, jwks_url=devserver.base_url + "/.well-known/jwks.json")
    claims = verifier.verify(tokens.access_token)
    assert claims.subject == "7NT2EH13K2PRVXYNEH52Q93JF8"
    assert claims.sv == tokens.sv
    assert tokens.refresh_token is not None
    again = client.refresh(tokens.refresh_token)
    assert verifier.verify(again.access_token).subject == claims.subject
    # A wrong verifier burns the code: PAS rejects it with invalid_grant.
    req = config.authorization_request()
    code = devserver.control(
        "POST",
        "/login",
        {"account": "bob", "redirect_uri": REDIRECT, "code_challenge": pas.code_challenge(req.code_verifier),
         "state": req.state, "client_id": CLIENT},
    )["code"]
    with pytest.raises(pas.PasRejectedError) as info:
        client.exchange_code(code, pas.generate_code_verifier())
    assert info.value.status == 400 and info.value.oauth_error == "invalid_grant"
    assert code not in str(info.value) and code not in repr(info.value)


def test_session_break_glass_revoke_and_pas_down(devserver: DevServer, config: pas.PasConfig) -> None:
    client = pas.Client(config)
    cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
    tokens, _ = login(devserver, client, "carol")
    store = Store()
    ct = tokens.seal_refresh_token(cipher)
    assert ct is not None
    store.rows["s1"] = Row("12Z4C4PD4PYRFDWCCSXS13FYGM", tokens.sv, ct)
    validator = pas.SessionValidator(client, cipher=cipher)
    cache = validator.cache
    assert isinstance(cache, pas.MemorySvCache)

    # Unknown cache: one refresh at PAS, then served from the cache.
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Authenticated) and v.refreshed and v.sv == 1
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Authenticated) and not v.refreshed

    # Break-glass: PAS bumps sv and (as it would in the shared cache) the cache learns it.
    bumped = devserver.control("POST", "/accounts/carol/bump-sv")["sv"]
    cache.set("sv:12Z4C4PD4PYRFDWCCSXS13FYGM", bumped)
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Authenticated) and v.refreshed and v.sv == bumped
    assert store.rows["s1"].sv == bumped

    # PAS down (503, dropped connection): fail closed on the session path ...
    cache.clear()
    devserver.control("POST", "/faults", {"endpoint": "token", "count": 2, "fault": {"status": 503, "retry_after": 7}})
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Expired) and v.cause == "pas_unavailable"
    # ... and fail open on the liveness path.
    live = validator.liveness_refresh(store.rows["s1"].ciphertext or "")
    assert live.kind == "transient" and live.keeps_session and live.retry_after == 7
    devserver.control("POST", "/faults", {"endpoint": "token", "fault": {"drop_connection": True}})
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Expired) and v.cause == "pas_unavailable"
    # Back up: the session is live again.
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Authenticated) and v.refreshed

    # Revoke: the refresh token is dead, the session is Expired and liveness revokes it.
    devserver.control("POST", "/accounts/carol/revoke")
    cache.clear()
    v = validator.validate(store, "s1")
    assert isinstance(v, pas.Expired) and v.cause == "pas_rejected"
    live = client.liveness_refresh(store.rows["s1"].ciphertext or "", cipher)
    assert live.kind == "revoked" and not live.keeps_session and live.status == 400


def test_client_errors_when_pas_is_down(devserver: DevServer, config: pas.PasConfig) -> None:
    client = pas.Client(config)
    tokens, _ = login(devserver, client, "alice")
    rt = tokens.refresh_token or ""
    devserver.control("POST", "/faults", {"endpoint": "token", "fault": {"status": 503, "retry_after": 3}})
    with pytest.raises(ConnectionError) as info:
        client.refresh(rt)
    assert isinstance(info.value, pas.PasServerError)
    assert info.value.status == 503 and info.value.retry_after == 3
    devserver.control("POST", "/faults", {"endpoint": "token", "fault": {"delay_ms": 4000}})
    with pytest.raises(TimeoutError) as tinfo:
        client.refresh(rt)
    assert isinstance(tinfo.value, pas.PasTimeoutError)
    assert rt not in str(tinfo.value)
    dead = pas.Client(pas.PasConfig(CLIENT, REDIRECT, "http://127.0.0.1:9", connect_timeout=1))
    with pytest.raises(pas.PasTransportError):
        dead.refresh(rt)


async def test_async_client_and_async_driver(devserver: DevServer, config: pas.PasConfig) -> None:
    sync_client = pas.Client(config)
    client = pas.AsyncClient(config)
    cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
    req = config.authorization_request()
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(
        None,
        lambda: devserver.control(
            "POST",
            "/login",
            {"account": "bob", "redirect_uri": REDIRECT, "code_challenge": pas.code_challenge(req.code_verifier),
             "state": req.state, "client_id": CLIENT},
        ),
    )
    tokens = await client.exchange_code(answer["code"], req.code_verifier)
    refreshed = await client.refresh(tokens.refresh_token or "")
    assert refreshed.sv == tokens.sv
    store = Store()
    store.rows["s2"] = Row("1VXDPSK569YGXW041GGFV5VDW7", tokens.sv, tokens.seal_refresh_token(cipher))
    validator = pas.SessionValidator(client, cipher=cipher)
    results = await asyncio.gather(*(validator.validate_async(AsyncStore(store), "s2") for _ in range(8)))
    assert all(isinstance(v, pas.Authenticated) for v in results)
    live = await client.liveness_refresh(store.rows["s2"].ciphertext or "", cipher)
    assert live.kind == "fresh"
    cfg = await pas.discover_async(devserver.issuer, CLIENT, REDIRECT)
    assert cfg.issuer == devserver.issuer
    verifier = pas.Verifier(devserver.issuer, CLIENT, jwks_url=devserver.base_url + "/.well-known/jwks.json")
    await verifier.prefetch_async()
    assert verifier.has_keys
    assert (await verifier.verify_async(refreshed.access_token)).sv == tokens.sv
    with pytest.raises(pas.PasRejectedError):
        await client.refresh("not-a-refresh-token")
    del sync_client


def test_control_api_rejects_unknown(devserver: DevServer) -> None:
    with pytest.raises(urllib.error.HTTPError):
        devserver.control("POST", "/refresh-tokens/revoke", {"refresh_token": "nope"})
