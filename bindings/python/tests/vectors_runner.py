"""The Python runner of the shared conformance vectors (``tests/vectors``, schema in its README).

It exists so that Python is held to the same decisions as Rust, C, Go and Node: it reads every
``*.json`` in ``PAS_VECTORS_DIR`` (default ``<repo>/tests/vectors``), computes each row's
``actual`` through the installed ``pas`` wheel, compares it with ``expect`` as JSON values, prints
the per-file and summary lines, writes ``PAS_CONFORMANCE_OUT`` (default
``<repo>/target/conformance/python.json``) and exits non-zero on any failure. Session rows run
through both drivers (sync and asyncio): the written rows are the sync results, and a row whose
async result differs fails. Standalone, with the test virtualenv's python::

    PAS_VECTORS_DIR=... PAS_CONFORMANCE_OUT=... target/py-venv/bin/python bindings/python/tests/vectors_runner.py
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import pas
from pas.testing import EffectLog, ScriptedPas
from worlds import AsyncMemoryStore, AsyncRecordingCache, Faults, MemoryStore, RecordingCache, Session

LANGUAGE = "python"
SCHEMA = "pas-vectors/1"
ROOT = Path(__file__).resolve().parents[3]

Json = Any
Case = Dict[str, Any]

# The lines of the last run made under pytest (printed by conftest's terminal summary).
LAST_LINES: List[str] = []


class VectorError(Exception):
    """A row or file the runner cannot use (bad shape, unknown answer kind): a failure, never a skip."""


@dataclass
class Row:
    id: str
    expect: Json
    actual: Json
    # Session rows: the asyncio driver's result (must equal ``actual``, the sync driver's).
    async_actual: Json = None
    has_async: bool = False

    @property
    def passed(self) -> bool:
        return same(self.actual, self.expect) and (not self.has_async or same(self.async_actual, self.actual))


@dataclass
class FileResult:
    name: str
    rows: List[Row] = field(default_factory=list)
    # Set when the file cannot be run at all (unreadable, unknown schema or file kind): one failure.
    error: Optional[str] = None

    @property
    def passed(self) -> int:
        return sum(1 for r in self.rows if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.passed) + (1 if self.error is not None else 0)


@dataclass
class Report:
    files: List[FileResult]
    # Set when the folder itself is unusable (missing, or holding no vector file).
    error: Optional[str] = None

    @property
    def failed(self) -> int:
        return sum(f.failed for f in self.files) + (1 if self.error is not None else 0)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def lines(self) -> List[str]:
        """The per-file lines, one ``FAIL`` line per failed row, and the summary (README format)."""
        out: List[str] = []
        if self.error is not None:
            out.append(f"FAIL {self.error}")
        for f in self.files:
            out.append(f"pas vectors [{LANGUAGE}] {f.name}: {f.passed} passed, {f.failed} failed")
            if f.error is not None:
                out.append(f"FAIL {f.name}: {f.error}")
            for r in f.rows:
                if not same(r.actual, r.expect):
                    out.append(f"FAIL {f.name} {r.id}: expected {dumps(r.expect)} got {dumps(r.actual)}")
                elif r.has_async and not same(r.async_actual, r.actual):
                    out.append(
                        f"FAIL {f.name} {r.id}: asyncio driver differs from sync: "
                        f"expected {dumps(r.actual)} got {dumps(r.async_actual)}"
                    )
        passed = sum(f.passed for f in self.files)
        rows = passed + sum(f.failed for f in self.files)  # as the Rust runner: an unusable file counts as one
        out.append(
            f"pas vectors [{LANGUAGE}]: {rows} rows in {len(self.files)} files, {passed} passed, {self.failed} failed"
        )
        return out

    def output(self) -> Json:
        """The runner output document (``target/conformance/python.json``)."""
        files: Dict[str, Json] = {}
        for f in self.files:
            entry: Dict[str, Json] = {
                "passed": f.passed,
                "failed": f.failed,
                "rows": {r.id: r.actual for r in f.rows},
            }
            if f.error is not None:
                entry["error"] = f.error
            files[f.name] = entry
        doc: Dict[str, Json] = {"language": LANGUAGE, "files": files}
        if self.error is not None:
            doc["error"] = self.error
        return doc


def same(a: Json, b: Json) -> bool:
    """Equality as JSON values: key order is ignored, ``true`` is not ``1``, ``2`` equals ``2.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and bool(a == b)


def dumps(value: Json) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def vectors_dir() -> Path:
    return Path(os.environ.get("PAS_VECTORS_DIR") or ROOT / "tests" / "vectors")


def output_path() -> Path:
    return Path(os.environ.get("PAS_CONFORMANCE_OUT") or ROOT / "target" / "conformance" / f"{LANGUAGE}.json")


# ---- pkce, cipher, errors ----


def run_pkce(case: Case) -> Json:
    try:
        return {"challenge": pas.code_challenge(case["verifier"]), "error": None}
    except pas.PasError as e:
        return {"challenge": None, "error": e.code}


def build_cipher(keys: List[str]) -> pas.TokenCipher:
    if not keys:
        raise VectorError("an empty key list")
    return pas.TokenCipher(keys[0], keys[1:])


def run_cipher(case: Case) -> Json:
    try:
        cipher = build_cipher(case["keys"])
        return {"plaintext": cipher.decrypt(case["ciphertext"]), "error": None}
    except pas.PasError as e:
        return {"plaintext": None, "error": e.code}


EXTRA_CODES = "__extra_codes__"


def run_errors_file(doc: Json) -> List[Tuple[Case, Json]]:
    table = {code: number for code, number, _ in pas.ERROR_CODES}
    listed = {c["id"] for c in doc["cases"] if c["id"] != EXTRA_CODES}
    out: List[Tuple[Case, Json]] = []
    for case in doc["cases"]:
        if case["id"] == EXTRA_CODES:
            out.append((case, {"codes": [code for code in table if code not in listed]}))  # in table order
        else:
            out.append((case, {"number": table.get(case["id"])}))
    return out


# ---- jwt ----


def build_verifier(spec: Json) -> pas.Verifier:
    known = {"issuer", "audience", "algorithms", "leeway_s", "profile", "jwks", "require_typ", "max_token_bytes"}
    unknown = set(spec) - known
    if unknown:
        raise VectorError(f"unknown verifier fields {sorted(unknown)}")
    return pas.Verifier(
        spec["issuer"],
        spec["audience"],
        jwks=spec["jwks"],
        algorithms=spec["algorithms"],
        leeway=float(spec["leeway_s"]),
        profile=spec["profile"],
        require_typ=spec.get("require_typ", True),
        max_token_bytes=spec.get("max_token_bytes", 8192),
    )


def run_jwt_file(doc: Json) -> List[Tuple[Case, Json]]:
    built: Dict[str, Union[pas.Verifier, str]] = {}
    for name, spec in doc["verifiers"].items():
        try:
            built[name] = build_verifier(spec)
        except pas.PasError as e:
            built[name] = e.code  # the build error's code, reported by every row using it
    out: List[Tuple[Case, Json]] = []
    for case in doc["cases"]:
        verifier = built.get(case["verifier"])
        if verifier is None:
            raise VectorError(f"row {case['id']}: unknown verifier {case['verifier']!r}")
        if isinstance(verifier, str):
            out.append((case, {"valid": None, "error": verifier}))
            continue
        try:
            t = verifier.verify_at(case["token"], case["now"])
            valid = {
                "sub": t.subject,
                "sv": t.sv,
                "client_id": t.client_id,
                "jti": t.jwt_id,
                "exp": t.expires_at,
                "alg": t.algorithm,
                "kid": t.key_id,
            }
            out.append((case, {"valid": valid, "error": None}))
        except pas.PasError as e:
            out.append((case, {"valid": None, "error": e.code}))
    return out


# ---- the scripted PAS answers (session and liveness) ----


def script(scripted: ScriptedPas, answers: List[Json]) -> None:
    for answer in answers:
        if not isinstance(answer, dict) or len(answer) != 1:
            raise VectorError(f"a PAS answer must be an object with one key: {answer!r}")
        ((kind, body),) = answer.items()
        if kind == "refresh_ok":
            scripted.expect_refresh(body["access_token"], body["refresh_token"], body.get("expect_refresh_token"))
        elif kind == "reject":
            scripted.reject(body["status"], body["error"])
        elif kind == "server_error":
            scripted.server_error(body["status"], retry_after=body["retry_after_s"])
        elif kind == "transport":
            if body not in ("pas_transport", "pas_timeout", "pas_bad_response"):
                raise VectorError(f"unknown transport failure {body!r}")
            scripted.transport(body)
        else:
            raise VectorError(f"unknown PAS answer {kind!r}")


def seconds(value: Optional[float]) -> Optional[Union[int, float]]:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# ---- liveness ----


def run_liveness(case: Case) -> Json:
    scripted = ScriptedPas()
    script(scripted, case["pas"])
    keys = case["cipher_keys"]
    validator = pas.SessionValidator(scripted, cipher=build_cipher(keys) if keys is not None else None)
    result = validator.liveness_refresh(case["ciphertext"])
    return {
        "outcome": result.kind,
        "cause": result.cause,
        "status": result.status,
        "retry_after_s": seconds(result.retry_after),
        "rotated": result.rotated_ciphertext is not None,
        "keeps_session": result.keeps_session,
        "pas_calls": scripted.call_count,
    }


# ---- session ----


class SessionWorld:
    """One row's world: a scripted PAS, a store and an sv cache sharing one ordered effect log."""

    def __init__(self, given: Json, driver: str) -> None:
        known = {"cipher_keys", "sessions", "cache", "store_faults", "cache_fails_load"}
        if set(given) - known:
            raise VectorError(f"unknown given fields {sorted(set(given) - known)}")
        self.driver = driver
        self.log = EffectLog()
        self.pas = ScriptedPas(self.log)
        self.store = MemoryStore(self.log)
        for sid, s in given["sessions"].items():
            self.store.sessions[sid] = Session(s["ppnum_id"], s["sv"], s["ciphertext"])
        f = given["store_faults"]
        self.store.faults = Faults(
            fail_find_call=f["fail_find_call"],
            fail_ciphertext=f["fail_ciphertext"],
            fail_persist=f["fail_persist"],
            vanish_after_persist=f["vanish_after_persist"],
        )
        self.cache = RecordingCache(self.log)
        for key, value in given["cache"].items():
            self.cache.seed(key, value)
        self.cache.fail_load = given["cache_fails_load"]
        keys = given["cipher_keys"]
        cache: Union[RecordingCache, AsyncRecordingCache] = (
            self.cache if driver == "sync" else AsyncRecordingCache(self.cache)
        )
        self.validator = pas.SessionValidator(
            self.pas, cipher=build_cipher(keys) if keys is not None else None, cache=cache
        )

    def before(self, step: Json) -> int:
        if step["clear_cache_before"]:
            self.cache.values.clear()
            self.cache.ttls.clear()
        self.log.take()
        script(self.pas, step["pas"])
        return self.pas.call_count

    def after(self, step: Json, expect: Json, calls_before: int, outcome: Json) -> Json:
        actual = dict(outcome)
        actual["effects"] = self.log.take()
        actual["pas_calls"] = self.pas.call_count - calls_before
        keys = expect.get("cache") if isinstance(expect, dict) else None
        actual["cache"] = {key: self.cache.peek(key) for key in (keys or {})}
        sid = step["session_id"]
        stored = self.store.sessions.get(sid) if sid is not None else None
        actual["session_sv"] = stored.sv if stored is not None else None
        return actual


Outcome = Union["pas.Validation[Session]", pas.PasError]


def decision(v: Outcome) -> Json:
    """The decision part of a step's ``actual``. ``store_failed`` (the one error the drivers raise,
    on the first lookup or the re-fetch) is decision ``error`` with the code as ``cause``."""
    if isinstance(v, pas.PasError):
        return {"decision": "error", "cause": v.code, "sv": None, "refreshed": None}
    if isinstance(v, pas.Authenticated):
        return {"decision": "authenticated", "cause": None, "sv": v.sv, "refreshed": v.refreshed}
    if isinstance(v, pas.Expired):
        return {"decision": "expired", "cause": v.cause, "sv": None, "refreshed": None}
    return {"decision": "no_cookie", "cause": None, "sv": None, "refreshed": None}


def step_expects(case: Case) -> List[Json]:
    """The row's ``expect.steps`` padded to one entry per step (only their ``cache`` keys are read)."""
    expects = list(case["expect"].get("steps") or [])
    return expects + [None] * (len(case["steps"]) - len(expects))


def run_session_sync(case: Case) -> Json:
    """A session row through the sync driver: ``{"steps": [<actual of each step>]}``."""
    w = SessionWorld(case["given"], "sync")
    steps: List[Json] = []
    for step, expect in zip(case["steps"], step_expects(case)):
        calls = w.before(step)
        v: Outcome
        try:
            v = w.validator.validate(w.store, step["session_id"])
        except pas.PasError as e:
            v = e
        steps.append(w.after(step, expect, calls, decision(v)))
    return {"steps": steps}


async def _session_async(case: Case) -> Json:
    w = SessionWorld(case["given"], "async")
    store = AsyncMemoryStore(w.store)
    steps: List[Json] = []
    for step, expect in zip(case["steps"], step_expects(case)):
        calls = w.before(step)
        v: Outcome
        try:
            v = await w.validator.validate_async(store, step["session_id"])
        except pas.PasError as e:
            v = e
        steps.append(w.after(step, expect, calls, decision(v)))
    return {"steps": steps}


def run_session_async(case: Case) -> Json:
    """A session row through the asyncio driver (same shape as :func:`run_session_sync`)."""
    return asyncio.run(_session_async(case))


# ---- files ----


def guarded(case: Case, compute: Callable[[Case], Json]) -> Json:
    """A row's actual value; a runner-side failure (bad row shape) becomes a failing value."""
    try:
        return compute(case)
    except (VectorError, AttributeError, KeyError, TypeError, ValueError) as e:
        return {"runner_error": f"{type(e).__name__}: {e}"}


def run_file(name: str, doc: Json) -> FileResult:
    result = FileResult(name)
    if not isinstance(doc, dict):
        result.error = "not a JSON object"
        return result
    if doc.get("schema") != SCHEMA:
        result.error = f"unknown schema {doc.get('schema')!r} (this runner knows {SCHEMA})"
        return result
    kind = doc.get("file")
    cases = doc.get("cases")
    if not isinstance(cases, list):
        result.error = "no cases list"
        return result
    try:
        pairs: List[Tuple[Case, Json]]
        if kind == "pkce":
            pairs = [(c, guarded(c, run_pkce)) for c in cases]
        elif kind == "cipher":
            pairs = [(c, guarded(c, run_cipher)) for c in cases]
        elif kind == "jwt":
            pairs = run_jwt_file(doc)
        elif kind == "liveness":
            pairs = [(c, guarded(c, run_liveness)) for c in cases]
        elif kind == "errors":
            pairs = run_errors_file(doc)
        elif kind == "session":
            for c in cases:
                sync = guarded(c, run_session_sync)
                result.rows.append(Row(c["id"], c["expect"], sync, guarded(c, run_session_async), has_async=True))
            return result
        else:
            result.error = f"unknown file kind {kind!r}"
            return result
    except (VectorError, KeyError, TypeError, ValueError) as e:
        result.rows = []
        result.error = f"cannot run: {type(e).__name__}: {e}"
        return result
    result.rows = [Row(c["id"], c["expect"], actual) for c, actual in pairs]
    return result


def run_all(directory: Optional[Path] = None) -> Report:
    """Runs every vector file of ``directory`` (default: ``PAS_VECTORS_DIR``)."""
    directory = directory if directory is not None else vectors_dir()
    if not directory.is_dir():
        return Report([], error=f"{directory}: not a folder of vector files")
    paths = sorted(directory.glob("*.json"))
    if not paths:
        return Report([], error=f"{directory}: no vector files (*.json)")
    files: List[FileResult] = []
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            files.append(FileResult(path.name, error=f"cannot read: {e}"))
            continue
        files.append(run_file(path.name, doc))
    return Report(files)


def write_output(report: Report, path: Optional[Path] = None) -> Path:
    path = path if path is not None else output_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.output(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main() -> int:
    logging.basicConfig(level=logging.ERROR)  # the drivers' expected warnings (a failing cache) are noise here
    report = run_all()
    for line in report.lines():
        print(line)
    write_output(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
