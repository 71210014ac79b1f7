"""Verify an access token and validate a login session against PAS (sync API).

Run against a local pas-devserver:  PAS_ISSUER=http://127.0.0.1:PORT python quickstart.py
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Dict, Optional

import pas


@dataclass
class Session:  # your session row: what the sv check needs
    ppnum_id: str
    sv: Optional[int]
    refresh_ciphertext: Optional[str]


class Store:  # your session store (a dict here; a database in real life)
    def __init__(self) -> None:
        self.rows: Dict[str, Session] = {}

    def find(self, session_id: str) -> Optional[Session]:
        return self.rows.get(session_id)

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        row = self.rows.get(session_id)
        return row.refresh_ciphertext if row else None

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        row = self.rows[session_id]
        row.sv = sv
        if rotated_ciphertext is not None:
            row.refresh_ciphertext = rotated_ciphertext


def devserver_tokens(issuer: str, account: str) -> Dict[str, str]:
    """pas-devserver only: a token response without a browser (real apps use the code flow)."""
    req = urllib.request.Request(
        f"{issuer}/__control/tokens", data=json.dumps({"account": account}).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return dict(json.loads(resp.read()))


def main() -> None:
    issuer = os.environ["PAS_ISSUER"]
    config = pas.PasConfig("pas-demo", "http://127.0.0.1:8765/cb", issuer)
    client = pas.Client(config)
    cipher = pas.TokenCipher(os.environ.get("PAS_TOKEN_KEY") or pas.TokenCipher.generate_key())
    verifier = pas.Verifier(issuer, "pas-demo", jwks_url=config.jwks_uri)
    validator = pas.SessionValidator(client, cipher=cipher)

    # At login (after the code flow): keep sv and the *encrypted* refresh token with the session.
    tokens = devserver_tokens(issuer, "alice")
    claims = verifier.verify(tokens["access_token"])  # raises pas.TokenError subclasses
    store = Store()
    store.rows["sid-1"] = Session(claims.subject, claims.sv, cipher.encrypt(tokens["refresh_token"]))
    print(f"verified: sub={claims.subject} sv={claims.sv} scopes={claims.scopes}")

    # On every request: validate the session named by the cookie. Decisions are values.
    decision = validator.validate(store, "sid-1")
    if isinstance(decision, pas.Authenticated):
        print(f"authenticated: sv={decision.sv} refreshed={decision.refreshed}")
    elif isinstance(decision, pas.Expired):
        print(f"expired: {decision.cause}")  # clear the cookie, redirect to login
    assert isinstance(decision, pas.Authenticated)
    assert isinstance(validator.validate(store, "unknown"), pas.Expired)


if __name__ == "__main__":
    main()
