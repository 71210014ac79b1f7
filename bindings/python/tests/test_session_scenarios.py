"""Every session scenario of pas-reference §12.1 and §12.2, through the sync and the asyncio
driver, with the same decisions, causes and exact effect sequences as
``pas-core/tests/session_scenarios.rs``."""

from __future__ import annotations

import asyncio
import threading
from typing import List, Optional

import pytest

import pas
from worlds import KEY, PPNUM, RT, SID, AsyncMemoryStore, Faults, Session, World, path

DRIVERS = ["sync", "async"]


@pytest.fixture(params=DRIVERS)
def driver(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def expired(v: pas.Validation[Session], cause: str) -> None:
    assert isinstance(v, pas.Expired), v
    assert v.cause == cause


def authenticated(v: pas.Validation[Session], sv: int, refreshed: Optional[bool] = None) -> Session:
    assert isinstance(v, pas.Authenticated), v
    assert v.sv == sv
    if refreshed is not None:
        assert v.refreshed is refreshed
    return v.session


# ---- pas-reference §12.1 ----


def test_s01_pas_rejected_is_expired(driver: str) -> None:
    w = World(driver)
    w.pas.reject(400, "invalid_grant")
    expired(w.validate(), "pas_rejected")
    assert w.effects() == path()
    assert w.cache.peek(KEY) is None


def test_s02_pas_server_error_is_expired_fail_closed(driver: str) -> None:
    w = World(driver)
    w.pas.server_error(503, retry_after=5)
    expired(w.validate(), "pas_unavailable")
    assert w.effects() == path()


def test_s03_pas_transport_is_expired(driver: str) -> None:
    w = World(driver)
    w.pas.transport("pas_timeout")
    expired(w.validate(), "pas_unavailable")
    w.pas.transport("pas_bad_response")
    expired(w.validate(), "pas_unavailable")
    w.pas.transport("pas_transport")
    expired(w.validate(), "pas_unavailable")


def test_s04_undecryptable_ciphertext_is_expired_and_pas_not_called(driver: str) -> None:
    w = World(driver)
    other = pas.TokenCipher(pas.TokenCipher.generate_key())
    w.store.sessions[SID] = Session(PPNUM, 3, other.encrypt(RT))
    expired(w.validate(), "decrypt_failed")
    w.store.sessions[SID] = Session(PPNUM, 3, "garbage!")
    expired(w.validate(), "decrypt_failed")
    assert w.pas.call_count == 0
    assert "refresh_at_pas" not in w.effects()


def test_s05_refreshed_token_without_sv_is_expired(driver: str) -> None:
    w = World(driver)
    w.pas.refresh_ok({"sub": PPNUM})
    expired(w.validate(), "sv_missing")
    assert w.effects() == path()


def test_s06_persist_failure_is_expired_and_cache_untouched(driver: str) -> None:
    w = World(driver)
    w.store.faults = Faults(fail_persist=True)
    w.refresh_ok(4)
    expired(w.validate(), "persist_failed")
    assert w.effects() == path("persist sv=4")
    assert w.cache.peek(KEY) is None


def test_s07_ciphertext_lookup_failure_is_expired(driver: str) -> None:
    w = World(driver)
    w.store.faults = Faults(fail_ciphertext=True)
    expired(w.validate(), "ciphertext_lookup_failed")
    assert w.effects() == ["find_session", "load_cache", "fetch_ciphertext"]
    assert w.pas.call_count == 0


def test_s08_session_gone_on_refetch_is_expired(driver: str) -> None:
    w = World(driver)
    w.store.faults = Faults(vanish_after_persist=True)
    w.refresh_ok(4)
    expired(w.validate(), "session_gone")
    assert w.effects() == path("persist sv=4", "record_cache sv=4 ttl=60", "find_session")


def test_s09_happy_path_and_s20_effect_order(driver: str) -> None:
    w = World(driver)
    w.refresh_ok(5)
    session = authenticated(w.validate(), 5, refreshed=True)
    assert session.sv == 5
    assert w.store.sessions[SID].sv == 5
    assert w.cache.peek(KEY) == 5
    assert w.cache.ttls[KEY] == 60
    assert w.effects() == path("persist sv=5", "record_cache sv=5 ttl=60", "find_session")
    assert w.pas.tokens_sent() == [RT]


def test_s10_stale_cache_takes_the_refresh_path(driver: str) -> None:
    w = World(driver)
    w.cache.seed(KEY, 4)
    w.refresh_ok(4)
    authenticated(w.validate(), 4, refreshed=True)
    assert w.effects() == path("persist sv=4", "record_cache sv=4 ttl=60", "find_session")


def test_s11_session_without_ciphertext_is_expired(driver: str) -> None:
    w = World(driver)
    w.store.sessions[SID] = Session(PPNUM, 3, None)
    expired(w.validate(), "ciphertext_missing")
    assert w.effects() == ["find_session", "load_cache", "fetch_ciphertext"]


def test_s12_validator_without_cipher_is_expired_without_fetching(driver: str) -> None:
    w = World(driver, cipher_configured=False)
    expired(w.validate(), "no_cipher")
    assert w.effects() == ["find_session", "load_cache"]
    assert w.pas.call_count == 0


# ---- pas-reference §12.2 ----


def test_s13_fresh_cache_does_no_further_io(driver: str) -> None:
    w = World(driver)
    w.cache.seed(KEY, 3)
    authenticated(w.validate(), 3, refreshed=False)
    assert w.effects() == ["find_session", "load_cache"]


def test_s14_session_newer_than_cache_is_fresh(driver: str) -> None:
    w = World(driver, session_sv=7)
    w.cache.seed(KEY, 3)
    authenticated(w.validate(), 7, refreshed=False)
    assert w.effects() == ["find_session", "load_cache"]


def test_s15_cache_error_is_unknown_and_refreshes(driver: str) -> None:
    w = World(driver)
    w.cache.seed(KEY, 3)
    w.cache.fail_load = True
    w.refresh_ok(3)
    authenticated(w.validate(), 3, refreshed=True)
    assert w.effects() == path("persist sv=3", "record_cache sv=3 ttl=60", "find_session")


def test_s15b_unparsable_cache_value_is_unknown(driver: str) -> None:
    w = World(driver)
    w.cache.values[KEY] = b"not-a-number"
    w.refresh_ok(3)
    authenticated(w.validate(), 3, refreshed=True)


def test_s16_session_without_sv_is_never_admitted_unchecked(driver: str) -> None:
    w = World(driver, session_sv=None)
    w.cache.seed(KEY, 0)
    w.refresh_ok(2)
    authenticated(w.validate(), 2, refreshed=True)
    assert w.pas.call_count == 1


def test_s17_sv_missing_null_or_not_json_is_sv_missing(driver: str) -> None:
    for claims in ({"sub": PPNUM}, {"sub": PPNUM, "sv": None}):
        w = World(driver, session_sv=1)
        w.pas.refresh_ok(claims)
        expired(w.validate(), "sv_missing")
    w = World(driver, session_sv=1)
    w.pas.expect_refresh("opaque-not-a-jwt")
    expired(w.validate(), "sv_missing")


@pytest.mark.parametrize("sv", ["2", 2.0, -1, True, [2]])
def test_s17a_sv_not_a_non_negative_integer_is_sv_invalid(driver: str, sv: object) -> None:
    w = World(driver, session_sv=1)
    w.refresh_ok(sv)
    expired(w.validate(), "sv_invalid")
    assert w.store.sessions[SID].sv == 1


def test_s17b_sv_regression_is_expired(driver: str) -> None:
    w = World(driver, session_sv=5)
    w.refresh_ok(4)
    expired(w.validate(), "sv_regressed")
    w = World(driver, session_sv=2)
    w.cache.seed(KEY, 6)
    w.refresh_ok(5)
    expired(w.validate(), "sv_regressed")
    assert w.store.sessions[SID].sv == 2


def test_s18_rotated_refresh_token_is_persisted_with_the_new_sv(driver: str) -> None:
    w = World(driver)
    w.refresh_ok(4, "rt-rotated")
    authenticated(w.validate(), 4)
    assert w.effects() == path("persist sv=4 rotated", "record_cache sv=4 ttl=60", "find_session")
    stored = w.store.sessions[SID].ciphertext
    assert stored is not None and w.cipher.decrypt(stored) == "rt-rotated"
    w.cache.values.clear()
    w.pas.expect_refresh(pas.testing.unsigned_access_token({"sv": 4}), expected_token="rt-rotated")
    authenticated(w.validate(), 4)
    assert w.pas.tokens_sent() == [RT, "rt-rotated"]


def test_s19_same_or_absent_refresh_token_persists_sv_only(driver: str) -> None:
    for returned in (None, RT):
        w = World(driver)
        before = w.store.sessions[SID].ciphertext
        w.refresh_ok(4, returned)
        authenticated(w.validate(), 4)
        assert w.effects() == path("persist sv=4", "record_cache sv=4 ttl=60", "find_session")
        assert w.store.sessions[SID].ciphertext == before


def test_s21_store_error_on_first_lookup_or_refetch_is_raised(driver: str) -> None:
    w = World(driver)
    w.store.faults = Faults(fail_find_call=1)
    with pytest.raises(pas.StoreFailedError) as info:
        w.validate()
    assert info.value.code == "store_failed"
    assert isinstance(info.value, pas.SessionError)
    assert w.effects() == ["find_session"]

    w = World(driver)
    w.store.faults = Faults(fail_find_call=2)
    w.refresh_ok(4)
    with pytest.raises(pas.StoreFailedError):
        w.validate()
    assert w.effects() == path("persist sv=4", "record_cache sv=4 ttl=60", "find_session")


def test_s22_concurrent_sync_validations_make_one_pas_call() -> None:
    w = World("sync")
    w.pas.set_delay(0.2)
    w.refresh_ok(4, "rt-rotated")
    results: List[pas.Validation[Session]] = []
    lock = threading.Lock()

    def run() -> None:
        v = w.validate()
        with lock:
            results.append(v)

    threads = [threading.Thread(target=run) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 16
    for v in results:
        authenticated(v, 4)
    assert w.pas.call_count == 1
    assert w.pas.unexpected_calls == 0
    stored = w.store.sessions[SID].ciphertext
    assert stored is not None and w.cipher.decrypt(stored) == "rt-rotated"


async def test_s22_concurrent_async_validations_make_one_pas_call() -> None:
    w = World("async")
    w.pas.set_delay(0.2)
    w.refresh_ok(4, "rt-rotated")
    store = AsyncMemoryStore(w.store)
    results = await asyncio.gather(*(w.validator.validate_async(store, SID) for _ in range(16)))
    for v in results:
        authenticated(v, 4)
    assert w.pas.call_count == 1
    assert w.pas.unexpected_calls == 0


def test_s22b_concurrent_failures_are_shared_then_retried() -> None:
    w = World("sync")
    w.pas.set_delay(0.2)
    w.pas.server_error(503)
    results: List[pas.Validation[Session]] = []
    threads = [threading.Thread(target=lambda: results.append(w.validate())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 8
    for v in results:
        expired(v, "pas_unavailable")
    assert w.pas.call_count == 1
    w.refresh_ok(3)
    authenticated(w.validate(), 3)
    assert w.pas.call_count == 2


def test_s23_no_cookie_and_unknown_session(driver: str) -> None:
    w = World(driver)
    assert isinstance(w.validate(None), pas.NoCookie)
    assert isinstance(w.validate(""), pas.NoCookie)
    assert w.effects() == []
    expired(w.validate("no-such-session"), "session_unknown")
    assert w.effects() == ["find_session"]


def test_second_validation_is_served_from_the_cache(driver: str) -> None:
    w = World(driver)
    w.refresh_ok(3)
    authenticated(w.validate(), 3, refreshed=True)
    w.effects()
    authenticated(w.validate(), 3, refreshed=False)
    assert w.effects() == ["find_session", "load_cache"]
    assert w.pas.call_count == 1


def test_break_glass_bump_forces_a_refresh_that_picks_up_the_new_sv(driver: str) -> None:
    w = World(driver)
    w.cache.seed(KEY, 3)
    authenticated(w.validate(), 3, refreshed=False)
    w.cache.seed(KEY, 4)
    w.refresh_ok(4)
    authenticated(w.validate(), 4, refreshed=True)
    w.cache.seed(KEY, 5)
    w.pas.reject(400, "invalid_grant")
    expired(w.validate(), "pas_rejected")


def test_default_memory_cache_is_used_when_none_is_given(driver: str) -> None:
    w = World(driver)
    validator = pas.SessionValidator(w.pas, cipher=w.cipher)
    assert isinstance(validator.cache, pas.MemorySvCache)
    w.refresh_ok(3)
    if driver == "sync":
        v = validator.validate(w.store, SID)
    else:
        v = asyncio.run(validator.validate_async(AsyncMemoryStore(w.store), SID))
    authenticated(v, 3, refreshed=True)
    assert validator.cache.get(KEY) == 3


def test_store_returning_a_malformed_session_fails_closed() -> None:
    class BadStore:
        def find(self, session_id: str) -> Optional[Session]:
            return Session(PPNUM, "3", None)  # type: ignore[arg-type]

        def refresh_ciphertext(self, session_id: str) -> Optional[str]:
            return None

        def persist_refresh(self, session_id: str, sv: int, rotated_ciphertext: Optional[str]) -> None:
            pass

    w = World("sync")
    with pytest.raises(pas.StoreFailedError):
        w.validator.validate(BadStore(), SID)


def test_the_machine_refuses_an_out_of_order_feed() -> None:
    check = pas.SessionCheck("s1")
    assert check.step.kind == "find_session"
    assert check.feed_session(PPNUM, 4).kind == "load_cache"
    step = check.feed_persisted()
    assert step.kind == "done" and step.outcome == "failed"
    err = step.error()
    assert isinstance(err, pas.InvalidStateError) and err.code == "invalid_state"
    assert check.feed_cache(4).outcome == "failed"


def test_expired_causes_are_the_core_table() -> None:
    assert pas.EXPIRED_CAUSES == (
        "session_unknown",
        "no_cipher",
        "ciphertext_missing",
        "ciphertext_lookup_failed",
        "decrypt_failed",
        "pas_rejected",
        "pas_unavailable",
        "sv_missing",
        "sv_invalid",
        "sv_regressed",
        "encrypt_failed",
        "persist_failed",
        "session_gone",
    )
