"""The demo story of ``make demo`` in Python (the same story as examples/rust-demo, C, Go, Node).

Login with PKCE without a browser, refresh token encrypted into this program's own store, session
validation (PAS refresh, then the sv cache), break-glass, revocation, PAS answering 503 on the
fail-closed sv path and on the fail-open liveness path. One JSON line per step on stdout (format:
examples/rust-demo/src/outcome.rs); exits 1 on any plumbing error.

    python demo.py http://127.0.0.1:PORT [http://127.0.0.1:PORT/__control]   # a running pas-devserver
"""

from __future__ import annotations

import http.client
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

import pas

CLIENT_ID = "pas-demo"
REDIRECT_URI = "http://127.0.0.1:8765/callback"


@dataclass
class Session:  # one row of this program's session store
    ppnum_id: str
    sv: Optional[int]
    ciphertext: Optional[str]


class Store:  # this program's own session store, in memory (a database in real life)
    def __init__(self) -> None:
        self.rows: Dict[str, Session] = {}

    def find(self, session_id: str) -> Optional[Session]:
        return self.rows.get(session_id)

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        row = self.rows.get(session_id)
        return row.ciphertext if row else None

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        row = self.rows[session_id]
        row.sv = sv
        if rotated_ciphertext is not None:
            row.ciphertext = rotated_ciphertext


def http_call(method: str, url: str, body: Optional[str] = None) -> Tuple[int, Dict[str, str], bytes]:
    """One plain HTTP request, redirects not followed (pas-devserver is http on 127.0.0.1)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path, body=body, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def emit(step: str, decision: str, pas_calls: int, **fields: Any) -> None:
    line: Dict[str, Any] = {"step": step, "decision": decision, "cause": None, "sv": None, "refreshed": None}
    line["retry_after_ms"] = None
    line.update(fields)
    line["pas_calls"] = pas_calls
    print(json.dumps(line), flush=True)


class Demo:
    def __init__(self, base_url: str, control_url: str) -> None:
        self.control_url = control_url.rstrip("/")
        config = pas.PasConfig(CLIENT_ID, REDIRECT_URI, base_url, request_timeout=2.0)
        self.config = config
        self.client = pas.Client(config)
        self.cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
        self.verifier = pas.Verifier(base_url, CLIENT_ID, jwks_url=config.jwks_uri, profile="pas")
        self.cache = pas.MemorySvCache()
        self.validator = pas.SessionValidator(self.client, cipher=self.cipher, cache=self.cache)
        self.store = Store()

    def control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        status, _, raw = http_call(method, f"{self.control_url}/{path}", json.dumps(body) if body is not None else None)
        if not 200 <= status < 300:
            raise RuntimeError(f"control call {path} answered {status}")
        return json.loads(raw)

    def token_calls(self) -> int:
        return int(self.control("GET", "counters")["token"])

    def login(self, step: str, account: str, session_id: str) -> None:
        """Authorization request, login without a browser (login_hint), code exchange, access
        token verified; the refresh token goes into the store encrypted, with the token's sv."""
        before = self.token_calls()
        request = self.config.authorization_request()
        status, headers, _ = http_call("GET", f"{request.url}&{urlencode({'login_hint': account})}")
        if status != 303 or "location" not in headers:
            raise RuntimeError(f"the login shortcut did not redirect ({status})")
        query = parse_qs(urlsplit(headers["location"]).query)
        if query.get("state") != [request.state]:
            raise RuntimeError("state mismatch on the callback")
        tokens = self.client.exchange_code(query["code"][0], request.code_verifier)
        claims = self.verifier.verify(tokens.access_token)
        print(f"  {account}: access token verified, sub {claims.subject} sv {claims.sv}", file=sys.stderr)
        ciphertext = tokens.seal_refresh_token(self.cipher)
        if ciphertext is None:
            raise RuntimeError("no refresh token")
        self.store.rows[session_id] = Session(claims.subject, claims.sv, ciphertext)
        emit(step, "logged_in", self.token_calls() - before, sv=claims.sv)

    def validate(self, step: str, session_id: str) -> None:
        before = self.token_calls()
        decision = self.validator.validate(self.store, session_id)
        calls = self.token_calls() - before
        if isinstance(decision, pas.Authenticated):
            emit(step, "authenticated", calls, sv=decision.sv, refreshed=decision.refreshed)
        elif isinstance(decision, pas.Expired):
            emit(step, "expired", calls, cause=decision.cause)
        else:
            emit(step, "no_cookie", calls)

    def liveness(self, step: str, session_id: str) -> None:
        ciphertext = self.store.refresh_ciphertext(session_id)
        if ciphertext is None:
            raise RuntimeError("the session has no ciphertext")
        before = self.token_calls()
        result = self.validator.liveness_refresh(ciphertext)
        calls = self.token_calls() - before
        retry = round(result.retry_after * 1000) if result.retry_after is not None else None
        emit(step, result.kind, calls, cause=result.cause, retry_after_ms=retry if result.kind == "transient" else None)


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PAS_DEVSERVER_URL", "")
    control = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("PAS_DEVSERVER_CONTROL_URL", "")
    if not base:
        print("usage: demo.py PAS_DEVSERVER_URL [CONTROL_URL]", file=sys.stderr)
        return 2
    d = Demo(base, control or f"{base.rstrip('/')}/__control")

    print("1. alice logs in (PKCE S256, no browser) and uses the site", file=sys.stderr)
    d.login("login", "alice", "session-a")
    d.validate("validate", "session-a")
    d.validate("validate_cached", "session-a")

    print("2. break-glass at PAS: alice's sv is bumped; the cache entry is cleared", file=sys.stderr)
    d.control("POST", "accounts/alice/bump-sv", {})
    d.cache.clear()
    d.validate("break_glass", "session-a")

    print("3. PAS revokes alice's refresh tokens", file=sys.stderr)
    d.control("POST", "accounts/alice/revoke", {})
    d.cache.clear()
    d.validate("revoked", "session-a")

    print("4. bob logs in; then PAS answers 503 on every token call", file=sys.stderr)
    d.login("login_bob", "bob", "session-b")
    d.control("POST", "faults", {"endpoint": "token", "count": 100, "fault": {"status": 503, "retry_after": 5}})
    d.validate("pas_503_sv_path", "session-b")
    d.liveness("pas_503_liveness", "session-b")

    print("5. requests without a session", file=sys.stderr)
    d.validate("no_cookie", "")
    d.validate("unknown_session", "session-x")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as err:  # any plumbing error: say what, exit 1
        print(f"demo (Python): {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
