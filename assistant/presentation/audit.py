"""The audit log: one JSON line per administrative action, appended and flushed to disk before it counts.

Who (an API token's name, the admin page's user, ``cli:<user>``), when (UTC), what, which document, the
file's SHA-256 and its metadata before and after. The web app and the command line may write at once,
so each append takes a file lock; a line cut short by a crash is skipped when read and never glued to
the next one.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from assistant.durable import fsync
from assistant.presentation.feedback import spreadsheet_cell

AUDIT_FILE = "audit.jsonl"


class Action(StrEnum):
    UPLOAD = "upload"
    REPLACE = "replace"
    DELETE = "delete"
    RESTORE = "restore"
    META = "meta"
    STAGE = "stage"  # uploaded for review: searchable by administrators only
    PUBLISH = "publish"  # a staged document made public
    DISCARD = "discard"  # a staged document dropped (kept as a version)
    FEEDBACK_EXPORT = "feedback-export"
    LOGIN_FAILED = "login-failed"


@dataclass
class AuditEntry:
    actor: str
    action: Action
    doc_id: str = ""
    file: str = ""
    sha256: str = ""
    before: dict | None = None
    after: dict | None = None
    detail: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_dict(self) -> dict:
        return {"at": self.at, **{key: value for key, value in asdict(self).items() if key != "at"}}


COLUMNS = tuple(AuditEntry("", Action.UPLOAD).to_dict())


class AuditLog:
    """``audit.jsonl`` in the data folder; safe to share between threads and processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, entry: AuditEntry) -> AuditEntry:
        """Append ``entry`` and fsync. An error propagates: the caller (and its client) learns the log failed."""
        data = _utf8(json.dumps(entry.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        with self._lock:
            descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":  # a line a crash cut short
                    data = b"\n" + data
                os.write(descriptor, data)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
            if created:
                fsync(self.path.parent)
        return entry

    def entries(self) -> list[dict]:
        """Every whole entry, oldest first."""
        if not self.path.exists():
            return []
        found = []
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(entry, dict):
                    found.append(entry)
        return found

    def export_jsonl(self) -> str:
        return _utf8("".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in self.entries()))

    def export_csv(self) -> str:
        """CSV with a BOM for Excel; before/after stay JSON columns."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for entry in self.entries():
            writer.writerow([spreadsheet_cell(_text(entry.get(column))) for column in COLUMNS])
        return "\ufeff" + _utf8(buffer.getvalue())


def _utf8(text: str) -> str:
    """Text that encodes as UTF-8: a lone surrogate from a client (in JSON a valid escape) stays ``\\udXXX``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _text(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else ("" if value is None else value)
