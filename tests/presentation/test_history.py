"""Past conversations as the public page stores them in the browser: saving, opening, deleting, bounds."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from assistant.answering.conversation import Turn
from assistant.presentation import history

NOW = 1_800_000_000.0


def _chat(*questions: str) -> tuple[list, list]:
    chat, records = [], []
    for question in questions:
        chat += [{"role": "user", "content": question}, {"role": "assistant", "content": f"答：{question}"}]
        turn = history.turn_record(Turn(question, ("高县",), "政务新媒体"))
        records.append({"at": len(chat) - 1, "turn": turn, "answer": {}, "concise": "", "id": question})
    return chat, records


def test_a_saved_conversation_reopens_with_the_turns_a_follow_up_needs() -> None:
    chat, records = _chat("政府的公众号归谁管？", "那高县呢？")
    stored = history.save(history.EMPTY, chat, records, now=NOW)
    stored = json.loads(json.dumps(stored))  # what the browser gives back
    (conversation,) = stored["conversations"]
    assert stored["current"] == conversation["id"] and conversation["title"] == "政府的公众号归谁管？"
    assert history.turns(conversation["records"]) == [
        Turn("政府的公众号归谁管？", ("高县",), "政务新媒体"),
        Turn("那高县呢？", ("高县",), "政务新媒体"),
    ]
    ((label, value),) = history.choices(stored)
    assert value == conversation["id"] and label.endswith("政府的公众号归谁管？（2 问）")


def test_the_title_is_read_from_the_chat_as_gradio_gives_it_back() -> None:
    chat = [{"role": "user", "content": [{"type": "text", "text": "政府的公众号归谁管？"}]}]
    assert history.save(history.EMPTY, chat, [], now=NOW)["conversations"][0]["title"] == "政府的公众号归谁管？"


def test_new_open_and_delete() -> None:
    first = history.save(history.EMPTY, *_chat("甲"), now=NOW)
    fresh = history.opened(first, None)
    assert fresh["current"] is None and len(fresh["conversations"]) == 1  # the open one stays in the list
    second = history.save(fresh, *_chat("乙"), now=NOW + 1)
    assert [c["title"] for c in second["conversations"]] == ["乙", "甲"]
    first_id = second["conversations"][1]["id"]
    again = history.opened(second, first_id)
    assert again["current"] == first_id
    assert history.opened(second, "gone")["current"] is None
    left = history.delete(again, first_id)
    assert [c["title"] for c in left["conversations"]] == ["乙"] and left["current"] is None


def test_bounds_and_damaged_storage() -> None:
    stored = history.EMPTY
    for number in range(history.MAX_CONVERSATIONS + 5):
        stored = history.save(history.opened(stored, None), *_chat(f"问{number}"), now=NOW + number)
    assert len(stored["conversations"]) == history.MAX_CONVERSATIONS
    assert stored["conversations"][0]["title"] == f"问{history.MAX_CONVERSATIONS + 4}"
    later = NOW + history.RETENTION_DAYS * 86400 + 10
    assert len(history.prune(stored, now=later)["conversations"]) < history.MAX_CONVERSATIONS  # the oldest expired
    for damaged in (None, "x", {"conversations": "x"}, {"conversations": [{"id": 1}]}):
        assert history.prune(damaged)["conversations"] == []


def test_a_long_conversation_keeps_its_last_turns_and_their_messages() -> None:
    questions = [f"问{n}" for n in range(history.MAX_TURNS + 3)]
    stored = history.save(history.EMPTY, *_chat(*questions), now=NOW)
    (conversation,) = stored["conversations"]
    assert len(conversation["records"]) == history.MAX_TURNS
    for record in conversation["records"]:
        assert conversation["chat"][record["at"]]["content"] == f"答：{record['id']}"


def test_the_storage_secret_is_kept_owner_only(tmp_path: Path) -> None:
    secret = history.storage_secret(tmp_path / "data")
    assert secret == history.storage_secret(tmp_path / "data") and len(secret) >= 24
    assert stat.S_IMODE((tmp_path / "data" / history.SECRET_FILE).stat().st_mode) == 0o600
