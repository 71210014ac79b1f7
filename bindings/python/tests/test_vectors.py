"""The shared conformance vectors (``tests/vectors``) under pytest: one test per row, so a failure
names its file and row, with the session rows run through both the sync and the asyncio driver.

The whole set runs once per session (``vectors_runner.run_all``); that run writes
``target/conformance/python.json`` (or ``PAS_CONFORMANCE_OUT``) and its summary lines are printed
at the end of the pytest output (see ``conftest.pytest_terminal_summary``).
"""

from __future__ import annotations

import json
from typing import Dict, List, Tuple

import pytest

import vectors_runner
from vectors_runner import FileResult, Report, Row, dumps, same


def _collect() -> List[Tuple[str, str]]:
    """(file name, row id) of every row, read at collection time; a file that cannot be read or
    has no rows still yields one (file-level) test, so it fails instead of vanishing."""
    directory = vectors_runner.vectors_dir()
    params: List[Tuple[str, str]] = []
    paths = sorted(directory.glob("*.json")) if directory.is_dir() else []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            ids = [str(c["id"]) for c in doc["cases"]]
        except (OSError, ValueError, KeyError, TypeError):
            ids = []
        params.append((path.name, ""))
        params.extend((path.name, i) for i in ids)
    return params


PARAMS = _collect()


@pytest.fixture(scope="module")
def report() -> Report:
    result = vectors_runner.run_all()
    vectors_runner.write_output(result)
    vectors_runner.LAST_LINES[:] = result.lines()
    return result


def _files(report: Report) -> Dict[str, FileResult]:
    return {f.name: f for f in report.files}


def test_vectors_folder_is_usable(report: Report) -> None:
    assert report.error is None, report.error
    assert report.files, "no vector files"
    assert PARAMS, "no vector files at collection time"


@pytest.mark.parametrize("file,row_id", PARAMS, ids=[f"{f}:{r}" if r else f for f, r in PARAMS])
def test_vector(report: Report, file: str, row_id: str) -> None:
    f = _files(report).get(file)
    assert f is not None, f"{file} was not run"
    if not row_id:
        assert f.error is None, f"{file}: {f.error}"
        assert f.rows, f"{file}: no rows"
        return
    rows: Dict[str, Row] = {r.id: r for r in f.rows}
    assert row_id in rows, f"{file} {row_id}: not run"
    row = rows[row_id]
    assert same(row.actual, row.expect), f"{file} {row_id}: expected {dumps(row.expect)} got {dumps(row.actual)}"
    if row.has_async:
        assert same(row.async_actual, row.actual), (
            f"{file} {row_id}: the asyncio driver differs from the sync driver: "
            f"sync {dumps(row.actual)} async {dumps(row.async_actual)}"
        )


def test_output_written(report: Report) -> None:
    out = json.loads(vectors_runner.output_path().read_text(encoding="utf-8"))
    assert out["language"] == "python"
    assert set(out["files"]) == {f.name for f in report.files}
    for f in report.files:
        assert out["files"][f.name]["passed"] == f.passed
        assert out["files"][f.name]["failed"] == f.failed
        assert len(out["files"][f.name]["rows"]) == len(f.rows)


def test_runner_can_fail() -> None:
    """A changed expected value, an async result that differs from the sync one, an unknown file
    kind and an unknown schema are each a failure (never a skip)."""
    doc = {
        "schema": vectors_runner.SCHEMA,
        "file": "pkce",
        "cases": [{"id": "short", "verifier": "a" * 42, "expect": {"challenge": None, "error": "invalid_argument"}}],
    }
    f = vectors_runner.run_file("pkce.json", doc)
    assert (f.passed, f.failed) == (0, 1)
    assert f.rows[0].actual == {"challenge": None, "error": "invalid_verifier"}
    assert not Row("r", {"x": 1}, {"x": 1}, {"x": 2}, has_async=True).passed
    assert not same({"x": True}, {"x": 1}) and same({"a": 1, "b": [None]}, {"b": [None], "a": 1})
    assert vectors_runner.run_file("x.json", {**doc, "file": "bogus"}).failed == 1
    assert vectors_runner.run_file("x.json", {**doc, "schema": "pas-vectors/2"}).failed == 1
    report = Report([f])
    assert not report.ok
    assert any(line.startswith("FAIL pkce.json short: expected ") for line in report.lines())
    assert report.lines()[-1] == "pas vectors [python]: 1 rows in 1 files, 0 passed, 1 failed"
