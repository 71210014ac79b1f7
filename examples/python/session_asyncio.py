"""The asyncio variant: an async session store (e.g. asyncpg) and the asyncio driver.

Run against a local pas-devserver:  PAS_ISSUER=http://127.0.0.1:PORT python session_asyncio.py
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from dataclasses import dataclass
from typing import Dict, Optional

import pas


@dataclass
class Session:
    ppnum_id: str
    sv: Optional[int]
    refresh_ciphertext: Optional[str]


class AsyncStore:  # the store protocol with async def methods
    def __init__(self) -> None:
        self.rows: Dict[str, Session] = {}

    async def find(self, session_id: str) -> Optional[Session]:
        return self.rows.get(session_id)

    async def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        row = self.rows.get(session_id)
        return row.refresh_ciphertext if row else None

    async def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        row = self.rows[session_id]
        row.sv = sv
        if rotated_ciphertext is not None:
            row.refresh_ciphertext = rotated_ciphertext


def devserver_tokens(issuer: str, account: str) -> Dict[str, str]:
    """pas-devserver only: a token response without a browser."""
    req = urllib.request.Request(
        f"{issuer}/__control/tokens", data=json.dumps({"account": account}).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return dict(json.loads(resp.read()))


async def main() -> None:
    issuer = os.environ["PAS_ISSUER"]
    config = pas.PasConfig("pas-demo", "http://127.0.0.1:8765/cb", issuer)
    client = pas.AsyncClient(config)
    cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
    verifier = pas.Verifier(issuer, "pas-demo", jwks_url=config.jwks_uri)
    validator = pas.SessionValidator(client, cipher=cipher)

    tokens = await asyncio.get_running_loop().run_in_executor(None, devserver_tokens, issuer, "bob")
    claims = await verifier.verify_async(tokens["access_token"])
    store = AsyncStore()
    store.rows["sid-1"] = Session(claims.subject, claims.sv, cipher.encrypt(tokens["refresh_token"]))

    # Many concurrent requests for one session: one PAS refresh, the same decision for all.
    decisions = await asyncio.gather(*(validator.validate_async(store, "sid-1") for _ in range(10)))
    assert all(isinstance(d, pas.Authenticated) for d in decisions)
    refreshed = await client.refresh(tokens["refresh_token"])
    print(f"asyncio: {len(decisions)} authenticated, sv={refreshed.sv}")


if __name__ == "__main__":
    asyncio.run(main())
