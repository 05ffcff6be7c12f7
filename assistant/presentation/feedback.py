"""Users' 👍/👎 on answers, kept in SQLite so operators' judgements survive restarts and can be exported.

One connection per call and a process-wide lock for writes: the UI and the API write from many threads,
and WAL mode lets exports read while a write is going on. A judgement given with a ``key`` (the web page
sends its answer's id) replaces an earlier one with that key: a user changing their mind, or pressing
👎 twice, leaves one row.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)
RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000
COLUMNS = ("id", "created_at", "rating", "question", "understood", "answer", "comment", "citations")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    question TEXT NOT NULL,
    understood TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    citations TEXT NOT NULL DEFAULT '[]'
)
"""
_KEYED = "CREATE UNIQUE INDEX IF NOT EXISTS feedback_key ON feedback (key)"


class FeedbackStore:
    """``feedback.sqlite3`` in the data folder; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._write_lock = threading.Lock()
        self._ready = False
        try:
            self._prepare()
        except (OSError, sqlite3.Error) as error:  # a full disk: the server still starts, feedback waits for space
            log.warning("feedback store %s not ready (%s); retried on the next request", path, error)

    def _prepare(self) -> None:
        """Create the folder and table (once); raises while the disk is full or read-only."""
        if self._ready:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(_SCHEMA)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(feedback)")}
            if "key" not in columns:  # a store from before keyed judgements
                connection.execute("ALTER TABLE feedback ADD COLUMN key TEXT")
            connection.execute(_KEYED)
        self._ready = True

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as connection, connection:
            yield connection

    def add(
        self,
        question: str,
        answer: str,
        rating: str,
        comment: str = "",
        citations: list[dict] | None = None,
        understood: str = "",
        key: str | None = None,
    ) -> int:
        """Store one judgement; returns its id. ``rating`` is ``up`` or ``down``; ``key``: replace the judgement
        stored with this key (its row keeps its id, the rest is the later judgement's)."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}, not {rating!r}")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            rating,
            question,
            understood,
            answer,
            (comment or "").strip()[:MAX_COMMENT_CHARS],
            json.dumps(citations or [], ensure_ascii=False),
            key,
        )
        with self._write_lock:
            self._prepare()
            with self._connect() as connection:
                cursor = connection.execute(
                    "INSERT INTO feedback (created_at, rating, question, understood, answer, comment, citations, key)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET created_at = excluded.created_at,"
                    " rating = excluded.rating, question = excluded.question, understood = excluded.understood,"
                    " answer = excluded.answer, comment = excluded.comment, citations = excluded.citations"
                    " RETURNING id",
                    row,
                )
                return int(cursor.fetchone()[0])

    def records(self) -> list[dict]:
        """Every judgement, oldest first, citations decoded."""
        self._prepare()
        with self._connect() as connection:
            rows = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()
        return [{**dict(zip(COLUMNS, row, strict=True)), "citations": json.loads(row[-1])} for row in rows]

    def export_jsonl(self) -> str:
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in self.records())

    def export_csv(self) -> str:
        """CSV with a BOM so Excel opens the Chinese text correctly; citations stay a JSON column."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for record in self.records():
            cells = [*(record[column] for column in COLUMNS[:-1]), json.dumps(record["citations"], ensure_ascii=False)]
            writer.writerow([spreadsheet_cell(value) for value in cells])
        return "\ufeff" + buffer.getvalue()


def spreadsheet_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) is prefixed with ``'``."""
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
