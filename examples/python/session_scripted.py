"""Drive the session check with a scripted PAS (no network): what each decision looks like.

``pas.testing.ScriptedPas`` is a test double; production code passes a ``pas.Client``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pas
from pas.testing import ScriptedPas


@dataclass
class Session:
    ppnum_id: str
    sv: Optional[int]
    ciphertext: Optional[str]


class Store:
    def __init__(self, session: Session) -> None:
        self.session: Optional[Session] = session

    def find(self, session_id: str) -> Optional[Session]:
        return self.session

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        return self.session.ciphertext if self.session else None

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        if self.session is not None:
            self.session.sv = sv
            self.session.ciphertext = rotated_ciphertext or self.session.ciphertext


def main() -> None:
    cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
    scripted = ScriptedPas()
    validator = pas.SessionValidator(scripted, cipher=cipher)
    store = Store(Session("01HZX5K3M8Q4N7R2T6V9W0Y1Z2", 3, cipher.encrypt("rt-1")))

    scripted.refresh_ok({"sub": "01HZX5K3M8Q4N7R2T6V9W0Y1Z2", "sv": 4}, "rt-2")
    first = validator.validate(store, "sid")
    second = validator.validate(store, "sid")  # served from the sv cache, no PAS call
    print("refresh:", first)
    print("cached: ", second)

    assert isinstance(validator.cache, pas.MemorySvCache)
    validator.cache.set("sv:01HZX5K3M8Q4N7R2T6V9W0Y1Z2", 9)  # break-glass: PAS bumped sv
    scripted.reject(400, "invalid_grant")
    third = validator.validate(store, "sid")
    print("revoked:", third)
    assert isinstance(first, pas.Authenticated) and first.refreshed
    assert isinstance(second, pas.Authenticated) and not second.refreshed
    assert isinstance(third, pas.Expired) and third.cause == "pas_rejected"
    assert scripted.call_count == 2


if __name__ == "__main__":
    main()
