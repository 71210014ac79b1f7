"""Python session stores and sv caches with injectable failures, for the session scenarios.

They mirror ``pas_core::testing::{MemoryStore, RecordingCache}``: every call is written to one
ordered ``EffectLog`` shared with ``ScriptedPas``, so a test can assert the exact effect sequence
whichever driver (sync or asyncio) ran the check.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Union

import pas
from pas.testing import EffectLog, ScriptedPas

SID = "session-1"
PPNUM = "01HZX5K3M8Q4N7R2T6V9W0Y1Z2"
RT = "rt-original"
KEY = f"sv:{PPNUM}"


@dataclass
class Session:
    ppnum_id: str
    sv: Optional[int]
    ciphertext: Optional[str]


class StoreFailure(Exception):
    pass


@dataclass
class Faults:
    fail_find_call: Optional[int] = None
    fail_ciphertext: bool = False
    fail_persist: bool = False
    vanish_after_persist: bool = False


@dataclass
class MemoryStore:
    """The sync store protocol over a dict, logging each call and injecting failures."""

    log: EffectLog
    sessions: Dict[str, Session] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    finds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def find(self, session_id: str) -> Optional[Session]:
        self.log.push("find_session")
        with self.lock:
            self.finds += 1
            if self.faults.fail_find_call == self.finds:
                raise StoreFailure("injected find failure")
            found = self.sessions.get(session_id)
            return copy.copy(found) if found is not None else None

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        self.log.push("fetch_ciphertext")
        if self.faults.fail_ciphertext:
            raise StoreFailure("injected ciphertext failure")
        found = self.sessions.get(session_id)
        return found.ciphertext if found is not None else None

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        self.log.push(f"persist sv={sv}" + (" rotated" if rotated_ciphertext is not None else ""))
        if self.faults.fail_persist:
            raise StoreFailure("injected persist failure")
        with self.lock:
            found = self.sessions.get(session_id)
            if found is not None:
                found.sv = sv
                if rotated_ciphertext is not None:
                    found.ciphertext = rotated_ciphertext
            if self.faults.vanish_after_persist:
                self.sessions.pop(session_id, None)


@dataclass
class AsyncMemoryStore:
    """The asyncio store protocol over the same data (each method yields to the loop once)."""

    inner: MemoryStore

    async def find(self, session_id: str) -> Optional[Session]:
        await asyncio.sleep(0)
        return self.inner.find(session_id)

    async def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        await asyncio.sleep(0)
        return self.inner.refresh_ciphertext(session_id)

    async def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        await asyncio.sleep(0)
        self.inner.persist_refresh(session_id, sv, rotated_ciphertext)


@dataclass
class RecordingCache:
    """A Redis-shaped sv cache (values stored as bytes, like Redis) that logs and can fail loads."""

    log: EffectLog
    values: Dict[str, bytes] = field(default_factory=dict)
    ttls: Dict[str, int] = field(default_factory=dict)
    fail_load: bool = False

    def get(self, key: str) -> Optional[bytes]:
        self.log.push("load_cache")
        if self.fail_load:
            raise ConnectionError("injected cache failure")
        return self.values.get(key)

    def set(self, key: str, value: int, ex: int) -> bool:
        self.log.push(f"record_cache sv={value} ttl={ex}")
        self.values[key] = str(value).encode()
        self.ttls[key] = ex
        return True

    def seed(self, key: str, sv: int) -> None:
        self.values[key] = str(sv).encode()

    def peek(self, key: str) -> Optional[int]:
        raw = self.values.get(key)
        return int(raw) if raw is not None else None


@dataclass
class AsyncRecordingCache:
    """:class:`RecordingCache` with ``async def`` methods (the shape of ``redis.asyncio``)."""

    inner: RecordingCache

    async def get(self, key: str) -> Optional[bytes]:
        await asyncio.sleep(0)
        return self.inner.get(key)

    async def set(self, key: str, value: int, ex: int) -> bool:
        await asyncio.sleep(0)
        return self.inner.set(key, value, ex)


class World:
    """One validator, one store, one cache and a scripted PAS sharing one effect log."""

    def __init__(self, driver: str, session_sv: Optional[int] = 3, cipher_configured: bool = True) -> None:
        self.driver = driver
        self.log = EffectLog()
        self.pas = ScriptedPas(self.log)
        self.store = MemoryStore(self.log)
        self.cache = RecordingCache(self.log)
        self.cipher = pas.TokenCipher(pas.TokenCipher.generate_key())
        self.store.sessions[SID] = Session(PPNUM, session_sv, self.cipher.encrypt(RT))
        cache: Union[RecordingCache, AsyncRecordingCache] = (
            self.cache if driver == "sync" else AsyncRecordingCache(self.cache)
        )
        self.validator = pas.SessionValidator(
            self.pas, cipher=self.cipher if cipher_configured else None, cache=cache
        )

    def validate(self, session_id: Optional[str] = SID) -> pas.Validation[Session]:
        if self.driver == "sync":
            return self.validator.validate(self.store, session_id)
        return asyncio.run(self.validator.validate_async(AsyncMemoryStore(self.store), session_id))

    def refresh_ok(self, sv: object, refresh_token: Optional[str] = None) -> None:
        self.pas.refresh_ok({"sub": PPNUM, "sv": sv}, refresh_token)

    def effects(self) -> List[str]:
        return self.log.take()


REFRESH_PREFIX = ["find_session", "load_cache", "fetch_ciphertext", "refresh_at_pas"]


def path(*rest: str) -> List[str]:
    return REFRESH_PREFIX + list(rest)
