"""The results store: every finished run, content-addressed by its cache key, in one folder.

Input:  a store folder (``.mlc/`` beside the spec by default, or ``--store DIR``); finished groups of runs with
        their :class:`~mlc.runtime.store_keys.KeyParts`, run IR and :class:`~mlc.runtime.results.RunResult`.
Output: the stored runs (:class:`StoredRun`) by key, by problem or by hash prefix; claims on groups being trained.
Role:   the durable memory of mlc. Layout of the folder::

            store.sqlite        the index and the payloads (SQLite, WAL journal)
            checkpoints/*.pt    training state of groups in progress (runtime.store_checkpoint)

        Each run is one row: its key, run hash, problem, spec, status, time, the key parts (JSON), and two
        zlib-compressed blobs, the run IR (what is needed to rerun it) and the payload (the RunResult: metrics,
        curves, bounds), with a SHA-256 checksum of the payload. A group's rows are written in one transaction,
        so a group is either wholly stored or absent: a process killed at any moment (``kill -9``) never leaves
        a half-written run that reads as finished. SQLite's WAL journal with a busy timeout lets several mlc
        processes write at once; a ``claims`` table says which process is training which group, so that two
        processes running the same spec do not both train it.

Failure handling: a store file that is not an SQLite database (corrupted, or a foreign file) is moved aside to
``store.sqlite.corrupt-<time>`` and a new index is created (reported through :attr:`Store.notes`); a payload
whose checksum or decoding fails is reported with its key and treated as missing (it will be retrained and
replaced). A read-only or full disk raises :class:`StoreError` with the path; rows already committed are intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import pydantic_core

from mlc.runtime.results import RunResult
from mlc.runtime.store_keys import KeyParts

DB_NAME = "store.sqlite"
CHECKPOINTS = "checkpoints"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 60_000
STALE_CLAIM_S = 600.0
"""A claim from another host whose heartbeat is older than this is taken over (same host: the pid is checked)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    key TEXT PRIMARY KEY, run_hash TEXT NOT NULL, problem TEXT NOT NULL, spec_path TEXT NOT NULL,
    spec_hash TEXT NOT NULL, status TEXT NOT NULL, created REAL NOT NULL, wall_time_s REAL NOT NULL,
    params TEXT NOT NULL, parts TEXT NOT NULL, context TEXT NOT NULL,
    run_ir BLOB NOT NULL, payload BLOB NOT NULL, checksum TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS runs_problem ON runs(problem);
CREATE INDEX IF NOT EXISTS runs_hash ON runs(run_hash);
CREATE TABLE IF NOT EXISTS claims (
    group_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, started REAL NOT NULL,
    heartbeat REAL NOT NULL, label TEXT NOT NULL);
"""


class StoreError(Exception):
    """The store cannot be used or written (read-only, disk full, not a folder); the message names the path."""


@dataclass
class StoredRun:
    """One run read back from the store."""

    key: str
    run_hash: str
    problem: str
    spec_path: str
    spec_hash: str
    status: str
    created: float
    wall_time_s: float
    params: dict[str, float]
    parts: KeyParts
    context: dict[str, Any]  # the environment it was trained in, the report delta of its bounds
    _run_ir: bytes
    _payload: bytes
    checksum: str

    def run_ir(self) -> dict[str, Any]:
        """The run's IR as JSON (what is needed to rerun it)."""
        return json.loads(zlib.decompress(self._run_ir))

    def result(self) -> RunResult:
        """The stored RunResult; raises ValueError when the payload is damaged."""
        if hashlib.sha256(self._payload).hexdigest() != self.checksum:
            raise ValueError("payload checksum mismatch")
        return RunResult.model_validate_json(zlib.decompress(self._payload))


def encode_result(result: RunResult) -> bytes:
    """The payload blob of ``result`` (NaN/inf kept as JSON constants: diverged runs stay readable)."""
    raw = pydantic_core.to_json(result.model_dump(mode="python"), inf_nan_mode="constants")
    return zlib.compress(raw, 6)


def _same_numbers(payload: bytes, result: RunResult) -> bool:
    """Whether a stored payload holds the same measurements as ``result`` (wall times aside)."""
    try:
        stored = RunResult.model_validate_json(zlib.decompress(payload))
    except (ValueError, zlib.error):
        return False
    skip = {"wall_time_s", "index", "params"}
    a = pydantic_core.to_json(stored.model_dump(mode="python", exclude=skip), inf_nan_mode="constants")
    return a == pydantic_core.to_json(result.model_dump(mode="python", exclude=skip), inf_nan_mode="constants")


@dataclass
class Row:
    """One run to write: its key parts, run IR (JSON) and result."""

    parts: KeyParts
    run_ir: dict[str, Any]
    result: RunResult


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Store:
    """An open store folder (see the module docstring). Use as a context manager or call :meth:`close`."""

    def __init__(self, root: str | os.PathLike[str], create: bool = True) -> None:
        self.root = Path(root)
        self.notes: list[str] = []  # problems found and repaired (shown to the user)
        self.db_path = self.root / DB_NAME
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"the store {self.root} is not a folder (use --store DIR)")
        if not create and not self.db_path.exists():
            raise StoreError(f"no results store at {self.root} (no {DB_NAME})")
        try:
            if create:
                self.root.mkdir(parents=True, exist_ok=True)
                (self.root / CHECKPOINTS).mkdir(exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store {self.root}: {exc.strerror or exc}") from None
        self.conn = self._connect()

    # -- opening, repairing -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = self._open_db()
        except sqlite3.DatabaseError as exc:
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                raise self._error("open", exc) from None
            aside = self.db_path.with_name(f"{DB_NAME}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            for suffix in ("-wal", "-shm"):
                extra = self.db_path.with_name(DB_NAME + suffix)
                if extra.exists():
                    extra.replace(aside.with_name(aside.name + suffix))
            self.db_path.replace(aside)
            self.notes.append(f"{self.db_path} was not a readable SQLite database ({exc}); moved it to {aside} "
                              f"and started a new index")
            try:
                conn = self._open_db()
            except sqlite3.DatabaseError as exc2:
                raise self._error("open", exc2) from None
        return conn

    def _open_db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: a commit survives a process kill
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if row is None:
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise StoreError(f"the store {self.root} has schema version {row[0]}; this mlc reads version "
                                 f"{SCHEMA_VERSION} (use another --store DIR)")
            conn.execute("SELECT count(*) FROM runs").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _error(self, what: str, exc: BaseException) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            hint = "the store is read-only (use --store DIR to put it elsewhere)"
        elif "full" in text or getattr(exc, "errno", None) == 28:
            hint = "the disk is full"
        elif "disk I/O error" in text:  # SQLite's word for a write the system refused (EIO, EFBIG, ENOSPC)
            hint = "disk I/O error (is the disk full, or the file-size limit `ulimit -f` reached?)"
        else:
            hint = text
        return StoreError(f"cannot {what} the results store {self.db_path}: {hint}; runs saved before are intact")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------------
    _COLUMNS = ("key, run_hash, problem, spec_path, spec_hash, status, created, wall_time_s, params, parts, "
                "context, run_ir, payload, checksum")

    def _rows(self, where: str = "", args: Iterable[Any] = ()) -> Iterator[StoredRun]:
        try:
            cursor = self.conn.execute(f"SELECT {self._COLUMNS} FROM runs {where}", tuple(args))
            rows = cursor.fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._error("read", exc) from None
        for row in rows:
            try:
                yield StoredRun(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                                json.loads(row[8]), KeyParts.from_json(json.loads(row[9])), json.loads(row[10]),
                                row[11], row[12], row[13])
            except (ValueError, KeyError, TypeError) as exc:
                self.notes.append(f"{self.db_path}: run {row[0]} has damaged key data ({exc}); skipped")

    def get(self, keys: Iterable[str]) -> dict[str, tuple[StoredRun, RunResult]]:
        """The stored runs among ``keys`` whose payload reads back; damaged ones are reported and left out."""
        keys = list(keys)
        found: dict[str, tuple[StoredRun, RunResult]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for stored in self._rows(f"WHERE key IN ({','.join('?' * len(chunk))})", chunk):
                try:
                    found[stored.key] = (stored, stored.result())
                except (ValueError, zlib.error) as exc:
                    self.notes.append(f"{self.db_path}: the payload of run {stored.run_hash} (key {stored.key}) "
                                      f"is damaged ({exc}); it will be retrained")
        return found

    def runs(self, problem: str | None = None) -> list[StoredRun]:
        """Every stored run (of ``problem``), oldest first."""
        if problem is None:
            return list(self._rows("ORDER BY created"))
        return list(self._rows("WHERE problem = ? ORDER BY created", (problem,)))

    def with_run_hashes(self, hashes: Iterable[str]) -> list[StoredRun]:
        """Every stored run whose run hash is among ``hashes`` (whatever the rest of its key), oldest first: what
        ``mlc weave --frozen`` chooses from when it cannot compute keys (no torch)."""
        hashes = list(hashes)
        found: list[StoredRun] = []
        for start in range(0, len(hashes), 500):
            chunk = hashes[start:start + 500]
            found += self._rows(f"WHERE run_hash IN ({','.join('?' * len(chunk))}) ORDER BY created", chunk)
        return sorted(found, key=lambda r: r.created)

    def find(self, prefix: str) -> list[StoredRun]:
        """Runs whose key or run hash starts with ``prefix``."""
        like = prefix.replace("%", "").replace("_", "") + "%"
        return list(self._rows("WHERE key LIKE ? OR run_hash LIKE ? ORDER BY created", (like, like)))

    # -- writing ------------------------------------------------------------------------------------
    @contextmanager
    def _immediate(self) -> Iterator[None]:
        """One write transaction taken at its start (``BEGIN IMMEDIATE``: concurrent writers wait on the busy
        timeout instead of failing at commit), committed on exit, rolled back on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def put(self, rows: list[Row], problem: str, spec_path: str, spec_hash: str, context: dict[str, Any],
            replace: bool = False) -> list[str]:
        """Store a finished group in one transaction. Returns notes on runs already stored by another process
        (kept unless ``replace``), saying whether the numbers agree."""
        notes: list[str] = []
        now = time.time()
        try:
            with self._immediate():
                for row in rows:
                    key = row.parts.key()
                    payload = encode_result(row.result)
                    checksum = hashlib.sha256(payload).hexdigest()
                    old = self.conn.execute("SELECT payload FROM runs WHERE key = ?", (key,)).fetchone()
                    if old is not None:
                        same = "identical numbers" if _same_numbers(old[0], row.result) else "DIFFERENT numbers"
                        notes.append(f"run {row.result.hash} was already stored ({same})")
                        if not replace:
                            continue
                    self.conn.execute(
                        "INSERT OR REPLACE INTO runs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (key, row.result.hash, problem, spec_path, spec_hash, row.result.status, now,
                         row.result.wall_time_s, json.dumps(row.result.params), json.dumps(row.parts.to_json()),
                         json.dumps(context), zlib.compress(json.dumps(row.run_ir).encode(), 6), payload,
                         checksum))
        except sqlite3.DatabaseError as exc:
            raise self._error("write to", exc) from None
        return notes

    def delete(self, keys: Iterable[str]) -> int:
        """Delete the runs with these keys and reclaim the space; returns how many were deleted."""
        keys = list(keys)
        try:
            with self.conn:
                count = 0
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    count += self.conn.execute(f"DELETE FROM runs WHERE key IN ({','.join('?' * len(chunk))})",
                                               chunk).rowcount
            self.conn.execute("VACUUM")
        except sqlite3.DatabaseError as exc:
            raise self._error("delete from", exc) from None
        return count

    # -- claims: which process trains which group --------------------------------------------------------
    def claim(self, group_id: str, label: str) -> tuple[int, str] | None:
        """Claim ``group_id`` for this process. Returns None when claimed, or (pid, host) of the live holder."""
        me, host, now = os.getpid(), socket.gethostname(), time.time()
        try:
            with self._immediate():
                row = self.conn.execute("SELECT pid, host, heartbeat FROM claims WHERE group_id = ?",
                                        (group_id,)).fetchone()
                if row is not None and (row[0], row[1]) != (me, host):
                    pid, other, beat = row
                    live = _alive(pid) if other == host else now - beat < STALE_CLAIM_S
                    if live:
                        return pid, other
                self.conn.execute("INSERT OR REPLACE INTO claims VALUES (?,?,?,?,?,?)",
                                  (group_id, me, host, now, now, label))
        except sqlite3.DatabaseError as exc:
            raise self._error("write to", exc) from None
        return None

    def heartbeat(self, group_id: str) -> None:
        try:
            with self.conn:
                self.conn.execute("UPDATE claims SET heartbeat = ? WHERE group_id = ? AND pid = ?",
                                  (time.time(), group_id, os.getpid()))
        except sqlite3.DatabaseError:
            pass  # a missed heartbeat only makes a claim look older to other hosts

    def release(self, group_id: str) -> None:
        try:
            with self.conn:
                self.conn.execute("DELETE FROM claims WHERE group_id = ? AND pid = ?", (group_id, os.getpid()))
        except sqlite3.DatabaseError:
            pass  # a stale claim of a dead pid is taken over by the next process

    def checkpoint_path(self, group_id: str) -> Path:
        return self.root / CHECKPOINTS / f"{group_id}.pt"
