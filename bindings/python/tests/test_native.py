"""Native behaviour: 16 threads sharing one verifier and one validator, fork after use (the
child's next call works, under a timeout so a hang fails), and the GIL released during I/O."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest

import pas
from jwtkit import AUDIENCE, ISSUER, Keys
from worlds import KEY, SID, World


def test_16_threads_share_one_verifier_and_one_validator() -> None:
    keys = Keys()
    verifier = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks)
    tokens = [keys.token(sv=i) for i in range(16)]
    w = World("sync")
    w.pas.set_delay(0.5)  # all 16 checks arrive while the one PAS refresh is in flight
    w.refresh_ok(4)
    barrier = threading.Barrier(16)
    second = threading.Barrier(16)

    def work(i: int) -> int:
        barrier.wait(timeout=30)
        total = 0
        for _ in range(50):
            sv = verifier.verify(tokens[i]).sv
            assert sv == i
            total += 1
        second.wait(timeout=30)
        v = w.validate()
        assert isinstance(v, pas.Authenticated) and v.sv == 4
        return total

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(work, range(16)))
    assert results == [50] * 16
    assert w.pas.call_count == 1
    assert w.cache.peek(KEY) == 4


def test_gil_is_released_while_waiting_for_pas() -> None:
    w = World("sync")
    w.pas.set_delay(0.5)
    w.refresh_ok(4)
    ticks: List[float] = []
    done = threading.Event()

    def ticker() -> None:
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        v = w.validate()
    finally:
        done.set()
        t.join()
    assert isinstance(v, pas.Authenticated)
    assert len(ticks) >= 20, len(ticks)


def _child(conn: "multiprocessing.connection.Connection") -> None:
    try:
        keys = Keys()
        verifier = pas.Verifier(ISSUER, AUDIENCE, jwks=keys.jwks)
        w = World("sync")
        w.refresh_ok(6)
        v = w.validate()
        sv = verifier.verify(keys.token(sv=9)).sv
        conn.send(("ok", v.sv if isinstance(v, pas.Authenticated) else None, sv, os.getpid()))
    except BaseException as exc:  # report anything to the parent
        conn.send(("error", repr(exc), None, os.getpid()))


def _child_reuses_parent_objects(conn: "multiprocessing.connection.Connection") -> None:
    try:
        v = PARENT_WORLD[0].validate()
        conn.send(("ok", v.sv if isinstance(v, pas.Authenticated) else repr(v), None, os.getpid()))
    except BaseException as exc:
        conn.send(("error", repr(exc), None, os.getpid()))


PARENT_WORLD: List[World] = []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_after_use_child_works() -> None:
    # Use the runtime in the parent (a PAS refresh with a delay makes its workers busy).
    w = World("sync")
    w.pas.set_delay(0.05)
    w.refresh_ok(4)
    assert isinstance(w.validate(), pas.Authenticated)
    # The child reuses the parent's objects (validator, scripted PAS) and makes new ones.
    w.store.sessions[SID].sv = 4
    w.cache.values.clear()
    w.refresh_ok(5)
    PARENT_WORLD[:] = [w]
    ctx = multiprocessing.get_context("fork")
    for target in (_child_reuses_parent_objects, _child):
        parent_conn, child_conn = ctx.Pipe()
        proc = ctx.Process(target=target, args=(child_conn,))
        proc.start()
        proc.join(timeout=20)
        if proc.is_alive():
            proc.kill()
            proc.join()
            pytest.fail(f"forked child hung in {target.__name__}")
        assert proc.exitcode == 0
        assert parent_conn.poll(1)
        status, a, b, pid = parent_conn.recv()
        assert status == "ok", a
        assert pid != os.getpid()
        if target is _child:
            assert (a, b) == (6, 9)
        else:
            assert a == 5
    # The parent still works after its children.
    w.cache.values.clear()
    w.refresh_ok(5)
    assert isinstance(w.validate(), pas.Authenticated)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_raw_os_fork_child_can_refresh() -> None:
    w = World("sync")
    w.refresh_ok(4)
    assert isinstance(w.validate(), pas.Authenticated)
    w.cache.values.clear()
    w.refresh_ok(5)
    r, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            v = w.validate()
            code = 0 if isinstance(v, pas.Authenticated) and v.sv == 5 else 2
        finally:
            os.write(wfd, bytes([code]))
            os._exit(code)
    os.close(wfd)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("forked child hung")
    assert os.read(r, 1) == b"\x00"
    os.close(r)
