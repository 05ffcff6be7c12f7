"""The audit log: whole lines from many writers, a line cut short by a crash skipped, exports safe to open."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import stat
from pathlib import Path

from assistant.presentation.audit import COLUMNS, Action, AuditEntry, AuditLog


def _write(path: Path, writer: int, count: int) -> None:
    log = AuditLog(path)
    for number in range(count):
        log.record(AuditEntry(f"cli:w{writer}", Action.META, f"doc-{number}", detail="x" * 5000))


def test_concurrent_writers_leave_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write, args=(path, writer, 25)) for writer in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    entries = AuditLog(path).entries()
    assert len(entries) == 100 == len(path.read_text(encoding="utf-8").splitlines())
    assert {(entry["actor"], entry["doc_id"]) for entry in entries} == {
        (f"cli:w{writer}", f"doc-{number}") for writer in range(4) for number in range(25)
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_torn_line_is_skipped_and_not_glued_to_the_next(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(AuditEntry("token:admin", Action.DELETE, "a", "a.txt", "0" * 64, before={"title": "甲"}))
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"at": "2026-01-01T00:00:00+00:00", "actor": "tok')  # power cut mid-write
    log.record(AuditEntry("token:admin", Action.RESTORE, "a", "a.txt", "0" * 64, after={"title": "甲"}))
    assert [entry["action"] for entry in log.entries()] == ["delete", "restore"]
    assert list(log.entries()[0]) == list(COLUMNS) and log.entries()[0]["at"].endswith("+00:00")


def test_client_text_is_kept_as_data(tmp_path: Path) -> None:
    """A lone surrogate in a name stays an escape; a cell a spreadsheet would run as a formula is defused."""
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record(AuditEntry("token:admin", Action.UPLOAD, file="=SUM(A1).txt", detail="bad\udc80"))
    (entry,) = log.entries()
    assert entry["detail"] == "bad\udc80" and json.loads(log.export_jsonl())["file"] == "=SUM(A1).txt"
    exported = log.export_csv()
    assert exported.startswith("\ufeff") and exported.encode() and log.export_jsonl().encode()  # servable
    (row,) = csv.DictReader(io.StringIO(exported.lstrip("\ufeff")))
    assert row["file"] == "'=SUM(A1).txt" and row["action"] == "upload" and row["before"] == ""
    assert AuditLog(tmp_path / "none.jsonl").entries() == []
