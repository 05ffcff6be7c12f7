"""Earlier versions of corpus files, kept beside the corpus so a replaced or deleted document can be restored.

``corpus/.versions/<file name>/<version><suffix>`` holds the file as it was, ``<version>.json`` what it was
(when, why, its SHA-256). The folder is hidden, so the corpus scan (``corpus_files``) never indexes it. A
content already kept for a file is not kept twice.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.corpus import content_hash
from assistant.durable import copy_durably, write_durably

VERSIONS_DIR = ".versions"
_VERSION_ID = re.compile(r"^\d{8}T\d{12}Z-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Version:
    """One kept version of a corpus file."""

    version: str  # the id to restore it by: UTC time it was kept, then the start of its SHA-256
    file: str  # the corpus file it is a version of
    saved_at: str  # UTC, ISO 8601
    reason: str  # replaced | deleted | superseded by a restore | discarded (a staged upload)
    sha256: str
    bytes: int

    def to_dict(self) -> dict:
        return asdict(self)


class VersionStore:
    def __init__(self, corpus_dir: Path) -> None:
        self.root = corpus_dir / VERSIONS_DIR

    def keep(self, source: Path, name: str, reason: str) -> Version:
        """Keep ``source`` as a version of corpus file ``name`` (the same content kept before is returned)."""
        digest = content_hash(source)
        for version in self.versions(name):
            if version.sha256 == digest:
                return version
        now = datetime.now(UTC)
        version_id = f"{now.strftime('%Y%m%dT%H%M%S%f')}Z-{digest[:8]}"
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        copy_durably(source, folder / f"{version_id}{Path(name).suffix}")
        version = Version(version_id, name, now.isoformat(timespec="seconds"), reason, digest, source.stat().st_size)
        write_durably(folder / f"{version_id}.json", json.dumps(version.to_dict(), ensure_ascii=False).encode())
        return version

    def versions(self, name: str) -> list[Version]:
        """The kept versions of ``name``, newest first (a version whose file is missing is not listed)."""
        folder = self.root / name
        if not folder.is_dir():
            return []
        found = []
        for record in folder.glob("*.json"):
            version = Version(**json.loads(record.read_text(encoding="utf-8")))
            if (folder / f"{version.version}{Path(name).suffix}").is_file():
                found.append(version)
        return sorted(found, key=lambda version: version.version, reverse=True)

    def file_of(self, name: str, version: str) -> Path | None:
        """The kept file of ``version`` (an id from ``versions``; anything else is None, never a path)."""
        if not _VERSION_ID.match(version) or name not in self.names():
            return None
        path = self.root / name / f"{version}{Path(name).suffix}"
        return path if path.is_file() and (self.root / name / f"{version}.json").is_file() else None

    def names(self) -> list[str]:
        """Every corpus file name that has kept versions."""
        return sorted(entry.name for entry in self.root.iterdir() if entry.is_dir()) if self.root.is_dir() else []
