"""`python -m eval history`: what keeping conversations costs for a 12345 hotline shift, in the browser's storage
(what the public page does) against a server-side store per session id.

A shift is simulated with the real corpus and answers: ``--calls`` conversations of one to three turns (a
question of the labelled set, then 那高县呢？ and 什么时候完成？ for some), each answer stored exactly as the page
stores it (``assistant/presentation/history.py``). Reported: the bytes one turn and one conversation take, the
whole history at the end of the shift as JSON and as Gradio's ``BrowserState`` puts it in ``localStorage``
(AES, base64: 4/3 of the JSON's UTF-8 bytes plus its header), the server CPU that saving an answer into it
costs, and what a server-side store would have to hold for the same shift.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from assistant.engine import DEFAULT_CORPUS, DEFAULT_INDEX, Engine
from assistant.presentation import history
from assistant.presentation.render import answer_markdown
from assistant.presentation.service import PolicyService
from eval.labelled import QUESTIONS, load_questions

FOLLOW_UPS = ("那高县呢？", "什么时候完成？")
CIPHER_OVERHEAD = 1.32  # BrowserState's AES + base64, measured in Chromium: 22,681 characters for 17,158 JSON bytes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calls", type=int, default=80, help="conversations in the shift (default 80)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    parser.add_argument("--seed", type=int, default=14)


def run_cli(args: argparse.Namespace) -> int:
    service = PolicyService(Engine.open(args.corpus, args.index))
    questions = [question.question for question in load_questions(QUESTIONS)]
    chooser = random.Random(args.seed)
    stored: dict = history.EMPTY
    turn_bytes, conversation_bytes, save_ms = [], [], []
    for _ in range(args.calls):
        stored = history.opened(stored, None)  # 新对话 for each call
        chat, records = [], []
        for question in [chooser.choice(questions), *FOLLOW_UPS[: chooser.choice((0, 1, 2))]]:
            answered = service.answer(question, history.turns(records))
            chat += [{"role": "user", "content": question}, {"role": "assistant", "content": ""}]
            record = history.new_record(answered, len(chat) - 1, concise_shown=False)
            chat[-1]["content"] = answer_markdown(record["answer"])
            records.append(record)
            turn_bytes.append(len(json.dumps([chat[-2:], record], ensure_ascii=False).encode()))
            started = time.perf_counter()
            stored = history.save(stored, chat, records)
            save_ms.append((time.perf_counter() - started) * 1000)
        conversation_bytes.append(len(json.dumps(history.find(stored, stored["current"]), ensure_ascii=False).encode()))
    kept = len(json.dumps(stored, ensure_ascii=False).encode())
    all_calls = sum(conversation_bytes)
    print(f"shift: {args.calls} conversations, {len(turn_bytes)} answers")
    print(
        f"one answer (its two messages and record): median {statistics.median(turn_bytes) / 1024:.1f} KB, "
        f"max {max(turn_bytes) / 1024:.1f} KB"
    )
    print(
        f"one conversation: median {statistics.median(conversation_bytes) / 1024:.1f} KB, "
        f"max {max(conversation_bytes) / 1024:.1f} KB"
    )
    print(
        f"history kept at the end ({len(stored['conversations'])} conversations, cap {history.MAX_CONVERSATIONS}): "
        f"{kept / 1024:.0f} KB JSON, ~{kept * CIPHER_OVERHEAD / 1024:.0f} KB in localStorage"
    )
    print(
        f"saving an answer into it (server CPU): median {statistics.median(save_ms):.2f} ms, max {max(save_ms):.2f} ms"
    )
    print(f"server-side store for the same shift: {all_calls / 1024:.0f} KB per operator, uncapped until purged")
    return 0
