"""A text's lines with their offsets, shared by the record readers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


@dataclass
class Cell:
    """A piece of text and its span (a table cell, a paragraph)."""

    text: str
    start: int
    end: int


def split_lines(text: str) -> list[Line]:
    lines = []
    start = 0
    for piece in text.split("\n"):
        lines.append(Line(start, start + len(piece), piece))
        start += len(piece) + 1
    return lines


def line_cell(line: Line) -> Cell:
    """A line's text as a cell, its span without the surrounding whitespace."""
    stripped = line.text.strip()
    start = line.start + len(line.text) - len(line.text.lstrip())
    return Cell(stripped, start, start + len(stripped))
