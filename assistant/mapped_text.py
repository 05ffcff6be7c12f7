"""Text that remembers where each character came from.

Repair rewrites extracted text (drops page furniture, restores lost 月, joins broken
lines). Citations must still point into the real file, so every edit goes through
MappedText, which carries one original offset per character.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MappedText:
    """``text[i]`` came from ``origin[i]`` in the original; ``origin`` has one extra end entry."""

    text: str
    origin: tuple[int, ...]

    @classmethod
    def identity(cls, text: str) -> MappedText:
        return cls(text, tuple(range(len(text) + 1)))

    @classmethod
    def concat(cls, parts: list[MappedText]) -> MappedText:
        """Join pieces; the end sentinel is the last piece's."""
        if not parts:
            return cls("", (0,))
        origin: list[int] = []
        for part in parts:
            origin.extend(part.origin[:-1])
        origin.append(parts[-1].origin[-1])
        return cls("".join(part.text for part in parts), tuple(origin))

    def __len__(self) -> int:
        return len(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of this text to a half-open span of the original."""
        if end <= start:
            at = self.origin[start]
            return at, at
        return self.origin[start], self.origin[end - 1] + 1

    def slice(self, start: int, end: int) -> MappedText:
        return MappedText(self.text[start:end], self.origin[start : end + 1])

    def sub(self, pattern: str | re.Pattern[str], repl: str | Callable[[re.Match[str]], str]) -> MappedText:
        """Regex substitution that keeps the origin map.

        Characters of a replacement that also occur in the match keep their own origin
        (so ``1030日前`` → ``10月30日前`` maps ``30`` to the real ``30``); inserted
        characters take the origin of the character before them.
        """
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        out: list[str] = []
        origin: list[int] = []
        last = 0
        for match in regex.finditer(self.text):
            out.append(self.text[last : match.start()])
            origin.extend(self.origin[last : match.start()])
            replacement = repl(match) if callable(repl) else match.expand(repl)
            origin.extend(_align(match.group(0), replacement, self.origin[match.start() : match.end() + 1]))
            out.append(replacement)
            last = match.end()
        if last == 0 and not out:
            return self
        out.append(self.text[last:])
        origin.extend(self.origin[last:])
        return MappedText("".join(out), tuple(origin))


def _align(source: str, replacement: str, source_origin: tuple[int, ...]) -> list[int]:
    """Give each replacement character the origin of the matching source character, in order."""
    result: list[int] = []
    cursor = 0
    previous = source_origin[0]
    for char in replacement:
        found = source.find(char, cursor)
        if found >= 0:
            previous = source_origin[found]
            cursor = found + 1
        result.append(previous)
    return result
