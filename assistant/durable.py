"""Files written so that a crash or power cut leaves the old file or the new one, never half of one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def copy_durably(source: Path, target: Path) -> None:
    partial = _partial(target)
    shutil.copyfile(source, partial)
    _settle(partial, target)


def write_durably(target: Path, data: bytes) -> None:
    partial = _partial(target)
    partial.write_bytes(data)
    _settle(partial, target)


def _partial(target: Path) -> Path:
    """A hidden name beside the target: the corpus scan skips it, and the rename stays on one file system."""
    return target.with_name(f".{target.name}.partial")


def _settle(partial: Path, target: Path) -> None:
    fsync(partial)
    os.replace(partial, target)
    fsync(target.parent)


def fsync(path: Path) -> None:
    """Flush a file's (or a folder's) contents to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
