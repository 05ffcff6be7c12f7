"""Document management for administrators: remove, replace, restore, correct metadata, review staged uploads
(publish or discard them); each change audited.

The UI, the REST API and the command line all come here through ``PolicyService.admin``. Every action holds
the service's refresh lock from its first file change to the end of one index refresh, so the index always
matches the corpus while requests keep reading the previous index until the new one is swapped in. A
refresh that fails puts the file (or the metadata) back as it was. Metadata corrections are overrides in
``corpus/manifest.json`` (by file name, with ``"sources": {field: "admin"}``), which the next build applies
without embedding anything. Staged uploads (``assistant.staging``) wait in their own index, searchable by
administrators only, until they are published into the corpus or discarded.
"""

from __future__ import annotations

import datetime
import json
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.corpus import content_hash, corpus_files
from assistant.documents import DATE_FIELDS, META_FIELDS
from assistant.durable import copy_durably, write_durably
from assistant.indexing.store import BuildReport, IndexStore
from assistant.presentation.audit import Action, AuditEntry
from assistant.structure.genre import GENRES
from assistant.structure.metadata import MANIFEST_NAME
from assistant.versions import Version, VersionStore

if TYPE_CHECKING:
    from assistant.presentation.service import PolicyService, UploadResult

MAX_FIELD_CHARS = 200
YEARS = range(1949, 2101)
ADMIN_SOURCE = "admin"


class ManagementError(ValueError):
    """An action refused, with the reason in Chinese."""


class NotFound(ManagementError):
    """No such document or version."""


@dataclass
class ActionResult:
    """What an action did, for the API's JSON, the admin page's message and the command line."""

    action: str
    doc_id: str
    file: str
    message: str
    before: dict | None = None
    after: dict | None = None
    version: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class DocumentAdmin:
    def __init__(self, service: PolicyService, lock: threading.RLock) -> None:
        self.service = service
        self.versions = VersionStore(service.engine.corpus_dir)
        self._lock = lock

    @property
    def corpus_dir(self) -> Path:
        return self.service.engine.corpus_dir

    def _entries(self) -> dict[str, dict]:
        return self.service.retriever.store.manifest["documents"]

    def resolve(self, doc: str) -> tuple[str, dict | None]:
        return resolve_document(doc, self._entries(), self.corpus_dir)

    def deleted(self) -> list[str]:
        """Files that were deleted and can be restored from a kept version."""
        present = {path.name for path in corpus_files(self.corpus_dir)}
        return [name for name in self.versions.names() if name not in present]

    def versions_of(self, doc: str) -> tuple[str, list[dict]]:
        return list_versions(doc, self._entries(), self.corpus_dir)

    def upload(self, uploads: list[tuple[Path, str]], replace: bool, actor: str, stage: bool = False) -> UploadResult:
        """``PolicyService.add_documents`` with one audit entry per file added, replaced or (``stage``) staged."""
        with self._lock:
            before = dict(self._entries())
            present = {path.name for path in corpus_files(self.corpus_dir)}
            result = self.service.add_documents(uploads, replace=replace, stage=stage)
            after = self.service.staging.entries() if stage else self._entries()
            for name in result.added:
                entry = after.get(name, {})
                action = Action.STAGE if stage else Action.REPLACE if name in present else Action.UPLOAD
                previous = None if stage else (before.get(name) or {}).get("meta")
                self._record(actor, action, name, entry, before=previous, after=entry.get("meta"))
        return result

    def replace(self, doc: str, upload: tuple[Path, str], actor: str) -> UploadResult:
        """A new version of an indexed document under its file name; the old one is kept as a version."""
        with self._lock:
            name, entry = self.resolve(doc)
            if entry is None:
                raise NotFound(f"{doc} 不在索引中：已删除的文件请用恢复，新文件请上传")
            suffix = Path(upload[1]).suffix.lower()
            if suffix != Path(name).suffix.lower():
                raise ManagementError(f"新版本须与原文件同类型（{Path(name).suffix}），收到的是 {suffix or '无扩展名'}")
            return self.upload([(upload[0], name)], replace=True, actor=actor)

    def remove(self, doc: str, actor: str) -> ActionResult:
        """Take a document out of the corpus and the index; the file is kept as a version to restore."""
        self.service.require_writable()
        with self._lock:
            name, entry = self.resolve(doc)
            path = self.corpus_dir / name
            if not path.is_file():
                raise NotFound(f"{name} 已删除")
            if entry is not None and len(self._entries()) == 1:  # an index over no document cannot be built
                raise ManagementError(f"{name} 是唯一的文件，不能删除：请先上传其他文件，或上传新版本取代它")
            kept = self.versions.keep(path, name, "deleted")
            path.unlink()
            with self._undone_on_failure(lambda: copy_durably(self._kept_file(kept), path)):
                self.service.engine.refresh()
            doc_id = entry["doc_id"] if entry else name
            before = entry["meta"] if entry else None
            self._record(actor, Action.DELETE, name, {"doc_id": doc_id, "hash": kept.sha256}, before, None, kept)
            message = f"已删除：{name}（可从版本 {kept.version} 恢复）"
            return ActionResult(Action.DELETE, doc_id, name, message, before, None, kept.version)

    def restore(self, doc: str, version: str, actor: str) -> ActionResult:
        """Put a kept version back as the current file; the file it replaces is kept as a version first."""
        self.service.require_writable()
        with self._lock:
            name, entry = self.resolve(doc)
            source = self.versions.file_of(name, version)
            if source is None:
                raise NotFound(f"{name} 没有版本 {version}（见版本列表）")
            path = self.corpus_dir / name
            if path.is_file() and content_hash(path) == content_hash(source):
                raise ManagementError(f"版本 {version} 就是 {name} 的当前版本")
            self._put(source, name, "superseded by a restore")
            restored = self._entries()[name]
            before = entry["meta"] if entry else None
            kept = next(item for item in self.versions.versions(name) if item.version == version)
            self._record(actor, Action.RESTORE, name, restored, before, restored["meta"], kept)
            message = f"已恢复：{name} 的版本 {version}"
            return ActionResult(Action.RESTORE, restored["doc_id"], name, message, before, restored["meta"], version)

    def edit_meta(self, doc: str, changes: dict, actor: str) -> ActionResult:
        """Correct metadata fields (an empty value goes back to what the document itself says).

        Stored as overrides in ``corpus/manifest.json``; the index is refreshed without embedding.
        """
        self.service.require_writable()
        cleaned = clean_meta_changes(changes)
        with self._lock:
            name, entry = self.resolve(doc)
            if entry is None:
                raise NotFound(f"{doc} 不在索引中，无法修改元数据")
            manifest_path = self.corpus_dir / MANIFEST_NAME
            original = read_overrides(manifest_path)
            overrides = json.loads(json.dumps(original))  # a deep copy to put back on failure
            item = overrides.get(name) if isinstance(overrides.get(name), dict) else {}
            sources = dict(item.get("sources") or {})
            for key, value in cleaned.items():
                if value in ("", None):
                    item.pop(key, None)
                    sources.pop(key, None)
                else:
                    item[key], sources[key] = value, ADMIN_SOURCE
            item.pop("sources", None)
            if sources:
                item["sources"] = sources
            if item:
                overrides[name] = item
            else:
                overrides.pop(name, None)
            if overrides == original:
                return ActionResult(
                    Action.META, entry["doc_id"], name, f"{name} 的元数据没有变化", entry["meta"], entry["meta"]
                )
            write_overrides(manifest_path, overrides)
            with self._undone_on_failure(lambda: write_overrides(manifest_path, original)):
                self.service.engine.refresh()
            updated = self._entries()[name]
            self._record(actor, Action.META, name, updated, entry["meta"], updated["meta"])
            changed = [key for key in META_FIELDS if entry["meta"].get(key) != updated["meta"].get(key)]
            message = f"已更新 {name} 的元数据：{'、'.join(changed) or '与文件自身的值相同'}"
            return ActionResult(Action.META, updated["doc_id"], name, message, entry["meta"], updated["meta"])

    def publish(self, doc: str, replace: bool, actor: str) -> ActionResult:
        """Make a staged document public: moved into the corpus, both indexes refreshed, its vectors reused.

        A public file of the same name is replaced only with ``replace``, and then kept as a version (as a
        replacing upload keeps it). Content that is public already, under another name, is refused.
        """
        self.service.require_writable()
        with self._lock:
            staging = self.service.staging
            name, _ = self._staged(doc)
            source = staging.corpus_dir / name
            if (self.corpus_dir / name).is_file() and not replace:
                raise ManagementError(f"已有同名文件 {name}：如要以暂存的文件取代它，请选择替换同名文件")
            live = self._entries().get(name)
            previous = self._put(source, name, "replaced", staging.engine.store if staging.engine else None)
            source.unlink()
            published = self._entries()[name]
            before = live["meta"] if live else None
            self._record(actor, Action.PUBLISH, name, published, before, published["meta"], previous)
            staging.refresh()
            replaced = f"（原文件已保存为版本 {previous.version}，可恢复）" if previous else ""
            message = f"已发布：{name}{replaced}"
            version = previous.version if previous else ""
            return ActionResult(Action.PUBLISH, published["doc_id"], name, message, before, published["meta"], version)

    def discard(self, doc: str, actor: str) -> ActionResult:
        """Take a document out of the staging area unpublished; the file is kept as a version (``restore``
        would make it public), so a discard can be undone."""
        self.service.require_writable()
        with self._lock:
            staging = self.service.staging
            name, staged = self._staged(doc)
            path = staging.corpus_dir / name
            kept = self.versions.keep(path, name, "discarded")
            path.unlink()
            with self._undone_on_failure(lambda: copy_durably(self._kept_file(kept), path), staging.refresh):
                _check(staging.refresh(), name)
            self._record(actor, Action.DISCARD, name, staged, staged["meta"], None, kept)
            message = f"已丢弃暂存的文件：{name}（已保存为版本 {kept.version}）"
            return ActionResult(Action.DISCARD, staged["doc_id"], name, message, staged["meta"], None, kept.version)

    def _put(self, source: Path, name: str, reason: str, reuse: IndexStore | None = None) -> Version | None:
        """Make ``source`` the corpus file ``name`` and refresh the index (vectors of ``reuse`` reused); the file it
        replaces is kept as a version first (``reason``), and returned. Content that another file has is refused;
        if the index cannot take the file, everything is put back."""
        path = self.corpus_dir / name
        digest = content_hash(source)
        for other in corpus_files(self.corpus_dir):
            if other.name != name and content_hash(other) == digest:
                raise ManagementError(f"内容与已有文件相同：{other.name}")
        previous = self.versions.keep(path, name, reason) if path.is_file() else None

        def undo() -> None:
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                copy_durably(self._kept_file(previous), path)

        copy_durably(source, path)
        with self._undone_on_failure(undo):
            _check(self.service.engine.refresh(reuse=reuse), name)
        return previous

    def _staged(self, doc: str) -> tuple[str, dict]:
        """The staged file of ``doc`` (its doc_id in the staging index, or its file name) and its index entry."""
        staging = self.service.staging
        for name, entry in staging.entries().items():
            if doc in (entry["doc_id"], name) and (staging.corpus_dir / name).is_file():
                return name, entry
        raise NotFound(f"没有暂存的文件：{doc}")

    def _kept_file(self, version: Version) -> Path:
        path = self.versions.file_of(version.file, version.version)
        assert path is not None, version
        return path

    @contextmanager
    def _undone_on_failure(
        self, undo: Callable[[], None], refresh: Callable[[], object] | None = None
    ) -> Iterator[None]:
        """On any failure inside: ``undo`` the file change, ``refresh`` again (default: the public index) so the
        index matches, re-raise."""
        try:
            yield
        except BaseException:
            undo()
            (refresh or self.service.engine.refresh)()
            raise

    def _record(
        self,
        actor: str,
        action: Action,
        name: str,
        entry: dict,
        before: dict | None,
        after: dict | None,
        version: Version | None = None,
    ) -> None:
        if self.service.audit is None:
            return
        detail = f"version {version.version}" if version else ""
        self.service.audit.record(
            AuditEntry(actor, action, entry.get("doc_id", ""), name, entry.get("hash", ""), before, after, detail)
        )


def _check(report: BuildReport, name: str) -> None:
    """ManagementError, so that the change is undone, when the new index was not written or cannot read ``name``."""
    if report.not_updated:
        raise ManagementError(f"索引未更新（磁盘空间不足或不可写），现有索引继续服务：{report.not_updated}")
    if name in report.failed:
        raise ManagementError(f"无法读取：{report.failed[name]}")


def resolve_document(doc: str, entries: dict[str, dict], corpus_dir: Path) -> tuple[str, dict | None]:
    """The corpus file name of ``doc`` (a doc_id or a file name) and its index entry (None: not indexed).

    ``entries``: the index manifest's documents. A file in the corpus that could not be indexed is found by
    its name; a deleted one by its file name or stem among the kept versions.
    """
    for name, entry in entries.items():
        if doc in (entry["doc_id"], name):
            return name, entry
    if any(path.name == doc for path in corpus_files(corpus_dir)):
        return doc, None
    kept = [name for name in VersionStore(corpus_dir).names() if doc in (name, Path(name).stem)]
    if len(kept) == 1:
        return kept[0], None
    raise NotFound(f"没有这个文件：{doc}")


def list_versions(doc: str, entries: dict[str, dict], corpus_dir: Path) -> tuple[str, list[dict]]:
    """The file name and its kept versions, newest first, each marked ``current`` if it is the file now."""
    name, _ = resolve_document(doc, entries, corpus_dir)
    path = corpus_dir / name
    current = content_hash(path) if path.is_file() else ""
    return name, [
        {**kept.to_dict(), "current": kept.sha256 == current} for kept in VersionStore(corpus_dir).versions(name)
    ]


def clean_meta_changes(changes: dict) -> dict:
    """Checked field values: known fields only, bounded plain text, a year 1949–2100, a date YYYY-MM-DD."""
    if not changes:
        raise ManagementError(f"没有要修改的字段（可改：{'、'.join(META_FIELDS)}）")
    cleaned: dict = {}
    for key, value in changes.items():
        if key not in META_FIELDS:
            raise ManagementError(f"未知字段 {key}（可改：{'、'.join(META_FIELDS)}）")
        if value is None or (isinstance(value, str) and not value.strip()):
            cleaned[key] = None
        elif key == "year":
            year = int(value) if isinstance(value, int) or str(value).strip().isdigit() else None
            if year not in YEARS:
                raise ManagementError(f"年份无效：{value}（{YEARS.start}–{YEARS.stop - 1}）")
            cleaned[key] = year
        else:
            text = unicodedata.normalize("NFC", str(value)).strip()
            if len(text) > MAX_FIELD_CHARS:
                raise ManagementError(f"{key} 过长（最多 {MAX_FIELD_CHARS} 字）")
            if any(unicodedata.category(char) in ("Cc", "Cf", "Cs") for char in text):
                raise ManagementError(f"{key} 含有控制字符")
            if key == "genre" and text not in GENRES:
                raise ManagementError(f"文种无效：{text}（可选：{'、'.join(GENRES)}）")
            if key in DATE_FIELDS:
                try:
                    text = datetime.date.fromisoformat(text).isoformat()
                except ValueError as error:
                    raise ManagementError(f"日期无效：{text}（格式 YYYY-MM-DD）") from error
            cleaned[key] = text
    return cleaned


def read_overrides(path: Path) -> dict:
    """``corpus/manifest.json`` as it is; a damaged file is an error here, never silently overwritten."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManagementError(f"{path.name} 无法读取（{error}），请先修正该文件") from error
    if not isinstance(data, dict):
        raise ManagementError(f"{path.name} 应是一个 JSON 对象（文件名 → 字段），请先修正该文件")
    return data


def write_overrides(path: Path, overrides: dict) -> None:
    write_durably(path, (json.dumps(overrides, ensure_ascii=False, indent=2) + "\n").encode())
