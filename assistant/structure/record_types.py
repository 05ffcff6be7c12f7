"""The records the structure readers hand to chunking: a task or a benefit item, and its span."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.structure.fields import field_order

TASK_KIND = "task"
BENEFIT_KIND = "benefit"


@dataclass
class TaskRecord:
    """One task with who does it and by when, or one benefit item (``kind``); the span points into the text.

    ``fields`` is keyed by ``Field`` values, and by a column's own header where it maps to none.
    """

    fields: dict[str, str]
    start: int
    end: int
    table_title: str
    kind: str = TASK_KIND

    def render(self) -> str:
        """``字段：值`` lines in a fixed order, so a record reads the same whichever layout it came from."""
        return "\n".join(f"{name}：{self.fields[name]}" for name in field_order(self.fields))


@dataclass
class ExtractedRecords:
    """Records of a text, and the table spans that the prose parser must not read as prose."""

    records: list[TaskRecord]
    table_spans: list[tuple[int, int]]
