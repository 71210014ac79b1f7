"""Session validation: the ``sv`` check with a sync driver and an asyncio driver.

The rules live in one sans-IO state machine in the Rust core (``pas.SessionCheck``). The drivers
here are short loops that read the machine's next step, carry the effect out and feed the result
back; they never decide. Store calls go to your store, cache calls to the sv cache (the built-in
:class:`pas.MemorySvCache`, or any object with ``get``/``set`` such as a Redis client), and the
PAS refresh always to the core (decrypt, refresh, classify, read ``sv``, re-encrypt a rotated
token; concurrent refreshes of one session share one PAS call).

Decisions are values: :class:`Authenticated`, :class:`Expired` (with a stable ``cause``) or
:class:`NoCookie`. The only exception is :class:`pas.StoreFailedError`, raised when your store
fails on the first lookup or on the re-fetch; every other failure is ``Expired``.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, ClassVar, Generic, Literal, Optional, Protocol, TypeVar, Union, runtime_checkable

from pas._pas import (
    AsyncClient,
    Client,
    LivenessResult,
    MemorySvCache,
    SessionValidatorCore,
    Step,
    TokenCipher,
)
from pas.testing import ScriptedPas

__all__ = [
    "Authenticated",
    "AsyncSessionStore",
    "AsyncSvCache",
    "Expired",
    "NoCookie",
    "SessionStore",
    "SessionValidator",
    "SvAware",
    "SvCache",
    "Validation",
]

_log = logging.getLogger("pas.session")


@runtime_checkable
class SvAware(Protocol):
    """What the check needs from your session object: the PAS account id and its recorded sv."""

    @property
    def ppnum_id(self) -> str: ...

    @property
    def sv(self) -> Optional[int]: ...


S = TypeVar("S", bound=SvAware)
S_co = TypeVar("S_co", bound=SvAware, covariant=True)


class SessionStore(Protocol[S_co]):
    """Your session store, for the sync driver. Raising any ``Exception`` is a store failure."""

    def find(self, session_id: str) -> Optional[S_co]:
        """The session, or None when there is none."""
        ...

    def refresh_ciphertext(self, session_id: str) -> Optional[str]:
        """The session's stored refresh-token ciphertext (from ``TokenCipher.encrypt``), or None."""
        ...

    def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
        """One write: the new ``sv`` and, when PAS rotated the refresh token, its new ciphertext.

        Must be idempotent (concurrent checks of one session persist the same result).
        """
        ...


class AsyncSessionStore(Protocol[S_co]):
    """Your session store, for the asyncio driver: the methods of :class:`SessionStore` as ``async def``."""

    async def find(self, session_id: str) -> Optional[S_co]: ...

    async def refresh_ciphertext(self, session_id: str) -> Optional[str]: ...

    async def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None: ...


class SvCache(Protocol):
    """A shared sv cache (the shape of a Redis client): ``get`` returns the value (int, str or
    bytes) or None; ``set`` stores it for ``ex`` seconds. Errors count as a miss on ``get`` and are
    ignored on ``set`` (best effort)."""

    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: int, ex: int) -> Any: ...


class AsyncSvCache(Protocol):
    """:class:`SvCache` with ``async def`` methods (for example ``redis.asyncio.Redis``)."""

    async def get(self, key: str) -> Any: ...

    async def set(self, key: str, value: int, ex: int) -> Any: ...


@dataclass(frozen=True)
class Authenticated(Generic[S]):
    """The session is live. ``session`` is the one your store returned last (re-fetched after a
    refresh); ``sv`` its session version; ``refreshed`` whether PAS was asked."""

    session: S
    sv: int
    refreshed: bool
    kind: ClassVar[Literal["authenticated"]] = "authenticated"


@dataclass(frozen=True)
class Expired:
    """The session is dead: clear the cookie and send the user to login. ``cause`` is a stable
    code (``pas.EXPIRED_CAUSES``): ``session_unknown``, ``no_cipher``, ``pas_rejected``, ..."""

    cause: str
    kind: ClassVar[Literal["expired"]] = "expired"


@dataclass(frozen=True)
class NoCookie:
    """No session id was presented."""

    kind: ClassVar[Literal["no_cookie"]] = "no_cookie"


Validation = Union[Authenticated[S], Expired, NoCookie]


def _parse_sv(value: object) -> Optional[int]:
    """A cached value as an int; anything unusable is a miss."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (bytes, str)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        text = text.strip()
        if text.isdigit() and text.isascii():
            return int(text)
        return None
    return None


def _done(step: Step, session: Any) -> Validation[Any]:
    outcome = step.outcome
    if outcome == "authenticated" and session is not None and step.sv is not None:
        return Authenticated(session=session, sv=step.sv, refreshed=step.refreshed)
    if outcome == "expired" and step.cause is not None:
        return Expired(cause=step.cause)
    error = step.error()
    if isinstance(error, BaseException):
        raise error
    return Expired(cause="session_gone")  # unreachable: fail closed


class SessionValidator:
    """Validates sessions against PAS: ``validate`` (sync) and ``validate_async`` (asyncio).

    ``pas`` is a :class:`pas.Client` / :class:`pas.AsyncClient` (or, in tests,
    ``pas.testing.ScriptedPas``); ``cipher`` opens the stored refresh tokens (without one every
    refresh path ends ``no_cipher``); ``cache`` is the sv cache (default: a per-process
    :class:`pas.MemorySvCache`; give a Redis client to share it across processes). Share one
    validator per process: it is thread-safe, and concurrent refreshes of one session share one
    PAS call.
    """

    __slots__ = ("_cache", "_core")

    def __init__(
        self,
        pas: Union[Client, AsyncClient, ScriptedPas],
        *,
        cipher: Optional[TokenCipher] = None,
        cache: Union[SvCache, AsyncSvCache, MemorySvCache, None] = None,
    ) -> None:
        self._cache: Union[SvCache, AsyncSvCache, MemorySvCache] = cache if cache is not None else MemorySvCache()
        builtin = self._cache if isinstance(self._cache, MemorySvCache) else None
        self._core = SessionValidatorCore(pas, cipher, builtin)

    @property
    def cache(self) -> Union[SvCache, AsyncSvCache, MemorySvCache]:
        """The sv cache in use."""
        return self._cache

    @property
    def has_cipher(self) -> bool:
        return self._core.has_cipher

    def __repr__(self) -> str:
        return f"SessionValidator(cipher={self._core.has_cipher}, cache={type(self._cache).__name__})"

    # -- the sync driver -------------------------------------------------------------------

    def _cache_get(self, key: str) -> Optional[int]:
        try:
            value = self._cache.get(key)
            if inspect.isawaitable(value):
                _close(value)
                raise TypeError("an async sv cache needs validate_async")
            return _parse_sv(value)
        except Exception:
            _log.warning("pas: sv cache get failed; treating the entry as unknown")
            return None

    def _cache_set(self, key: str, sv: int, ttl: int) -> None:
        try:
            result = self._cache.set(key, sv, ex=ttl)
            if inspect.isawaitable(result):
                _close(result)
                raise TypeError("an async sv cache needs validate_async")
        except Exception:
            _log.warning("pas: sv cache set failed (best effort)")

    def validate(self, store: SessionStore[S], session_id: Optional[str]) -> Validation[S]:
        """Validates the session named by a cookie value (None or empty: :class:`NoCookie`).

        Raises :class:`pas.StoreFailedError` when ``store`` fails on the first lookup or the
        re-fetch; every other failure is an :class:`Expired` decision.
        """
        if not session_id:
            return NoCookie()
        check = self._core.start(session_id)
        step = check.step
        session: Optional[S] = None
        while True:
            kind = step.kind
            sid = step.session_id or ""
            if kind == "find_session" or kind == "refetch":
                try:
                    found = store.find(sid)
                    if found is None:
                        step = check.feed_no_session()
                    else:
                        fed = check.feed_session(found.ppnum_id, found.sv)
                        session, step = found, fed
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "load_cache":
                step = check.feed_cache(self._cache_get(step.key or ""))
            elif kind == "fetch_ciphertext":
                try:
                    ciphertext = store.refresh_ciphertext(sid)
                    step = check.feed_ciphertext(ciphertext)
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "refresh_at_pas":
                step = check.feed_refresh(self._core.refresh_at_pas(sid, step.ciphertext or ""))
            elif kind == "persist":
                try:
                    store.persist_refresh(sid, step.sv or 0, step.rotated_ciphertext)
                    step = check.feed_persisted()
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "record_cache":
                self._cache_set(step.key or "", step.sv or 0, step.ttl or 60)
                step = check.feed_cache_recorded()
            else:
                return _done(step, session)

    # -- the asyncio driver ----------------------------------------------------------------

    async def _cache_get_async(self, key: str) -> Optional[int]:
        try:
            value = self._cache.get(key)
            if inspect.isawaitable(value):
                value = await value
            return _parse_sv(value)
        except Exception:
            _log.warning("pas: sv cache get failed; treating the entry as unknown")
            return None

    async def _cache_set_async(self, key: str, sv: int, ttl: int) -> None:
        try:
            result = self._cache.set(key, sv, ex=ttl)
            if inspect.isawaitable(result):
                await result
        except Exception:
            _log.warning("pas: sv cache set failed (best effort)")

    async def validate_async(self, store: AsyncSessionStore[S], session_id: Optional[str]) -> Validation[S]:
        """:meth:`validate` for asyncio: awaits the store's ``async def`` methods (and an async
        cache's), and the PAS refresh never blocks the event loop."""
        if not session_id:
            return NoCookie()
        check = self._core.start(session_id)
        step = check.step
        session: Optional[S] = None
        while True:
            kind = step.kind
            sid = step.session_id or ""
            if kind == "find_session" or kind == "refetch":
                try:
                    found = await store.find(sid)
                    if found is None:
                        step = check.feed_no_session()
                    else:
                        fed = check.feed_session(found.ppnum_id, found.sv)
                        session, step = found, fed
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "load_cache":
                step = check.feed_cache(await self._cache_get_async(step.key or ""))
            elif kind == "fetch_ciphertext":
                try:
                    ciphertext = await store.refresh_ciphertext(sid)
                    step = check.feed_ciphertext(ciphertext)
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "refresh_at_pas":
                result = await self._core.refresh_at_pas_async(sid, step.ciphertext or "")
                step = check.feed_refresh(result)
            elif kind == "persist":
                try:
                    await store.persist_refresh(sid, step.sv or 0, step.rotated_ciphertext)
                    step = check.feed_persisted()
                except Exception:
                    step = check.feed_store_failed()
            elif kind == "record_cache":
                await self._cache_set_async(step.key or "", step.sv or 0, step.ttl or 60)
                step = check.feed_cache_recorded()
            else:
                return _done(step, session)

    # -- liveness --------------------------------------------------------------------------

    def liveness_refresh(self, ciphertext: str) -> LivenessResult:
        """The fail-open liveness refresh of a stored ciphertext (keep the session unless revoked)."""
        return self._core.liveness_refresh(ciphertext)

    def liveness_refresh_async(self, ciphertext: str) -> Awaitable[LivenessResult]:
        """:meth:`liveness_refresh` as an awaitable."""
        return self._core.liveness_refresh_async(ciphertext)


def _close(awaitable: object) -> None:
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()
