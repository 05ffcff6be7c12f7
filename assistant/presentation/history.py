"""Past conversations as the public page keeps them, in the browser's own storage (README: "The web page").

A conversation is what the page shows (its chat messages) and what it needs to go on (the answer records, each
with the ``Turn`` a follow-up resolves against), so an opened or reloaded conversation takes "什么时候完成？" as
the live one did. Everything here is plain JSON: Gradio's ``BrowserState`` stores it encrypted in the browser's
``localStorage``, so no conversation is kept on the server and no other browser can see it. The list is bounded
(``MAX_CONVERSATIONS``, ``RETENTION_DAYS``) so a hotline shift's calls fit the storage with room to spare.
"""

from __future__ import annotations

import os
import secrets
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from assistant.answering.conversation import Turn
from assistant.presentation.service import Answered

STORAGE_KEY = "policy-qa-history"
SECRET_FILE = "history-secret"
MAX_CONVERSATIONS = 50  # a shift's calls (measured: README); the oldest beyond it are dropped
MAX_TURNS = 20  # per conversation, as many as /api/ask's history
RETENTION_DAYS = 7
TITLE_CHARS = 24
EMPTY: dict = {"conversations": [], "current": None}


def storage_secret(data_dir: Path) -> str:
    """The key Gradio encrypts the stored history with, kept in ``DATA/history-secret`` (owner-only) so that a
    restarted server can still read what browsers stored (a new key each start would lose every history)."""
    path = data_dir / SECRET_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(24)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret)
    return secret


def new_record(answered: Answered, at: int, concise_shown: bool) -> dict:
    """What the page keeps of an answer: the answer, its turn, its message's place ``at`` in the chat (a filter
    refusal has a message and no record), the key its feedback is stored under (a changed judgement replaces the
    earlier one), the concise lines and what the user saw (the concise lines in operator mode)."""
    concise = "\n".join(answered.concise)
    return {
        "answer": answered.answer.to_dict(),
        "turn": turn_record(answered.turn),
        "at": at,
        "id": uuid.uuid4().hex,
        "concise": concise,
        "seen": concise if concise_shown else answered.answer.text,
    }


def turn_record(turn: Turn | None) -> dict | None:
    """A turn as stored with its answer (JSON)."""
    return asdict(turn) if turn is not None else None


def turns(records: list[dict]) -> list[Turn]:
    """The turns of a conversation's answers, oldest first, for resolving the next follow-up."""
    stored = [record.get("turn") for record in records]
    return [Turn(t["question"], tuple(t.get("regions", ())), t.get("topic", "")) for t in stored if t]


def prune(history: object, now: float | None = None) -> dict:
    """The stored history made safe to use: its shape checked (anything else is an empty history), conversations
    older than ``RETENTION_DAYS`` dropped, the ``MAX_CONVERSATIONS`` most recent kept."""
    if not isinstance(history, dict) or not isinstance(history.get("conversations"), list):
        return dict(EMPTY, conversations=[])
    oldest = (time.time() if now is None else now) - RETENTION_DAYS * 86400
    kept = [
        conversation
        for conversation in history["conversations"]
        if isinstance(conversation, dict)
        and isinstance(conversation.get("id"), str)
        and isinstance(conversation.get("chat"), list)
        and isinstance(conversation.get("records"), list)
        and float(conversation.get("updated", 0)) >= oldest
    ]
    kept.sort(key=lambda conversation: -float(conversation["updated"]))
    kept = kept[:MAX_CONVERSATIONS]
    current = history.get("current")
    return {"conversations": kept, "current": current if any(c["id"] == current for c in kept) else None}


def find(history: dict, conversation_id: str | None) -> dict | None:
    return next((c for c in history["conversations"] if c["id"] == conversation_id), None)


def save(history: dict, chat: list, records: list, now: float | None = None) -> dict:
    """``history`` with the current conversation (a new one if none is open) holding ``chat`` and ``records``,
    first in the list."""
    history = prune(history, now)
    current = history["current"] or uuid.uuid4().hex
    records = records[-MAX_TURNS:]
    first = min((record["at"] for record in records), default=0) - 1  # the question of the oldest kept answer
    conversation = {
        "id": current,
        "title": _title(chat),
        "updated": time.time() if now is None else now,
        "chat": chat[max(first, 0) :],
        "records": [{**record, "at": record["at"] - max(first, 0)} for record in records],
    }
    others = [c for c in history["conversations"] if c["id"] != current]
    return prune({"conversations": [conversation, *others], "current": current}, now)


def opened(history: dict, conversation_id: str | None) -> dict:
    """``history`` with ``conversation_id`` as the current conversation (None: a new one, saved on its first
    answer)."""
    history = prune(history)
    return {**history, "current": conversation_id if find(history, conversation_id) else None}


def delete(history: dict, conversation_id: str | None) -> dict:
    history = prune(history)
    kept = [c for c in history["conversations"] if c["id"] != conversation_id]
    current = history["current"] if history["current"] != conversation_id else None
    return {"conversations": kept, "current": current}


def choices(history: dict) -> list[tuple[str, str]]:
    """The list of past conversations, newest first: ``05-14 09:31 政府的公众号归谁管？（3 问）``."""
    return [
        (
            f"{time.strftime('%m-%d %H:%M', time.localtime(float(c['updated'])))} {c['title']}"
            f"（{len(c['records'])} 问）",
            c["id"],
        )
        for c in history["conversations"]
    ]


def _title(chat: list) -> str:
    """The conversation's first question (its Markdown escapes and any paste note left out)."""
    first = next((m.get("content", "") for m in chat if isinstance(m, dict) and m.get("role") == "user"), "")
    if isinstance(first, list):  # as the chat gives its messages back: parts of {"type": "text", "text": …}
        first = "".join(part.get("text", "") for part in first if isinstance(part, dict))
    text = str(first).split("\n\n")[0].replace("\\", "")
    return text[:TITLE_CHARS] + ("…" if len(text) > TITLE_CHARS else "") or "（空对话）"
