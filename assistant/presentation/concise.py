"""The operator's view of an answer: one line per jurisdiction with its unit and deadline, ready to paste.

A hotline operator reads the answer out or pastes it into a ticket, so each line carries who is
responsible and by when (from the cited task record's fields when it has them) and which document says so.
"""

from __future__ import annotations

from assistant.answering.answer import Answer, AnswerLine
from assistant.structure.fields import CO_UNITS, DEADLINE, LEAD, RESPONSIBLE

UNIT_FIELDS = (LEAD, CO_UNITS, RESPONSIBLE)
DEADLINE_FIELD = DEADLINE


def concise_line(answer: Answer, line: AnswerLine) -> str:
    """``达州高新区（2023）：责任单位：党群工作部；完成时限：长期坚持（《…》）``."""
    citation = next((c for c in answer.citations if c.n in line.citations), None)
    if citation is None:
        return f"{line.label}：{line.text}" if line.label else line.text
    fields = citation.hit.passage.fields
    units = [f"{key}：{fields[key].strip('。； ')}" for key in UNIT_FIELDS if fields.get(key, "").strip()]
    parts = units or [line.text.rstrip("。")]
    if deadline := fields.get(DEADLINE_FIELD, "").strip("。； "):
        parts.append(f"{DEADLINE_FIELD}：{deadline}")
    body = "；".join(parts)
    source = f"（《{citation.hit.meta.title}》）" if citation.hit.meta.title else ""
    return f"{line.label}：{body}{source}" if line.label else f"{body}{source}"


def concise_lines(answer: Answer) -> list[str]:
    """One line per jurisdiction; an unanswerable question gives its refusal message as the only line."""
    if not answer.lines:
        return [answer.message] if answer.message else []
    return [concise_line(answer, line) for line in answer.lines]


def concise_text(answer: Answer) -> str:
    return "\n".join(concise_lines(answer))
