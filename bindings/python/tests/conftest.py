"""Shared fixtures: the pas-devserver process (session-scoped), the tests' import path, and the
conformance runner's summary lines at the end of the run (test_vectors.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import pas  # noqa: E402
import vectors_runner  # noqa: E402

# The tests must exercise the installed wheel, never the source tree.
assert "site-packages" in (pas.__file__ or ""), f"pas imported from {pas.__file__}, not an installed wheel"


@dataclass
class DevServer:
    base_url: str
    control_url: str
    issuer: str
    process: "subprocess.Popen[str]"

    def control(self, method: str, path: str, body: Optional[Dict[str, Any]] = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.control_url}{path}", data=data, method=method)
        req.add_header("content-type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None


@pytest.fixture(scope="session")
def devserver() -> Iterator[DevServer]:
    binary = os.environ.get("PAS_DEVSERVER_BIN")
    if not binary:
        root = Path(__file__).resolve().parents[3]
        binary = str(root / "target" / "debug" / "pas-devserver")
    if not Path(binary).exists():
        # Never a silent skip: these tests are part of the suite.
        pytest.fail(f"pas-devserver not built at {binary}: run scripts/test-python.sh (or cargo build -p pas-devserver)")
    proc = subprocess.Popen(
        [binary, "--port", "0", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PAS_DEVSERVER_READY "), line
        info = json.loads(line.split(" ", 1)[1])
        yield DevServer(info["base_url"], info["control_url"], info["issuer"], proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Prints the conformance runner's per-file and summary lines (test_vectors.py) at the end."""
    if vectors_runner.LAST_LINES:
        terminalreporter.section("pas vectors [python]")
        for line in vectors_runner.LAST_LINES:
            terminalreporter.write_line(line)
