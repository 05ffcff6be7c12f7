"""The one error a loader raises, so callers can report a bad file by name and go on."""

from __future__ import annotations

from pathlib import Path


class DocumentError(Exception):
    """A document that cannot be loaded: encrypted, corrupt, empty, unsupported."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{Path(path).name}: {reason}")
        self.path = Path(path)
        self.reason = reason


def too_large(path: Path | str, what: str, size: int, limit: int) -> DocumentError:
    """The size-policy refusal, worded the same by every loader: what is too large, by how much."""
    return DocumentError(path, f"{what} too large: {size / 1048576:.1f} MB (limit {limit // 1048576} MB)")
