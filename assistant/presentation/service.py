"""The one engine that the UI and the REST API share: read-only answering, locked index updates.

Requests run on many threads. Each reads ``engine.retriever`` once and keeps that object (retriever and
its store belong together), so a concurrent ``refresh`` — which builds a new store and only then swaps
it in — never shows a request half of the old index and half of the new one. Refreshes take a lock.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answering.answer import Answer
from assistant.answering.answerer import Answerer, AnswerSettings
from assistant.answering.conversation import Turn
from assistant.answering.generation import GeneratingAnswerer, GenerationSettings
from assistant.corpus import corpus_files
from assistant.engine import WRITE_FAILED, Engine, add_to_corpus, content_owners
from assistant.loading import DocumentError, IsolatedParser, load_file
from assistant.presentation.audit import AuditLog
from assistant.presentation.concise import concise_lines
from assistant.presentation.management import DocumentAdmin
from assistant.presentation.upload import (
    CORPUS_QUOTA_BYTES,
    MAX_UPLOAD_BYTES,
    SAME_NAME,
    check_file_count,
    stage_uploads,
    within_quota,
)
from assistant.retrieval.hit import Hit
from assistant.retrieval.retriever import Retriever
from assistant.staging import StagingArea


@dataclass
class UploadResult:
    """What an upload did: files now in the index, files refused (by name, with the reason)."""

    added: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    staged: bool = False  # added to the staging area (admins only), not to the public index

    def summary(self) -> str:
        done = "已暂存待审核（仅管理员可检索）" if self.staged else "已加入索引"
        lines = [f"{done}：{name}" for name in self.added]
        lines += [f"未加入：{name}（{reason}）" for name, reason in self.refused.items()]
        return "\n".join(lines) or "没有选择文件。"


@dataclass
class HitTest:
    """What the 命中测试 page shows for one question: the ranked passages of the chosen mode (each with its
    per-leg scores and ranks) and the extractive answer built in that mode, with its decision."""

    mode: str
    hits: list[Hit]
    answer: Answer


@dataclass
class Answered:
    """A question answered: what is shown (generated, or extractive), what a follow-up needs (None when the
    question was not understood at all) and the operator's concise lines (always from the extractive lines)."""

    answer: Answer
    turn: Turn | None
    concise: list[str]


READ_ONLY_MESSAGE = (
    "只读模式：本服务以只读方式打开索引（--read-only），不能上传、暂存、发布、替换、删除文件或修改元数据。"
)
STAGED_NAME = "已暂存同名文件 {name}：请先发布或丢弃它"


class ReadOnlyError(RuntimeError):
    """An action that would write to the index or the corpus, asked of a read-only service."""


class PolicyService:
    def __init__(
        self,
        engine: Engine,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        audit: AuditLog | None = None,
        corpus_quota_bytes: int = CORPUS_QUOTA_BYTES,
        generation: GenerationSettings | None = None,
    ) -> None:
        """``audit``: where administrative actions are logged (the web app and the CLI always give one);
        ``generation``: the language model's endpoint, if one is configured (``GenerationSettings.from_env``)."""
        self.engine = engine
        self.generation = generation
        self.max_upload_bytes = max_upload_bytes
        self.corpus_quota_bytes = corpus_quota_bytes
        self._refresh_lock = threading.RLock()  # re-entered by document management around uploads
        self.audit = audit
        self.staging = StagingArea(engine)  # uploads under review: admins only, its own index
        self.admin = DocumentAdmin(self, self._refresh_lock)
        self._originals: dict[tuple[str, float], str] = {}
        self._parser = IsolatedParser()  # shown documents are parsed as untrusted as indexed ones

    @property
    def retriever(self) -> Retriever:
        return self.engine.retriever

    @property
    def read_only(self) -> bool:
        return self.engine.read_only

    def require_writable(self) -> None:
        """ReadOnlyError (with the message to show) when the index or the corpus may not be written."""
        if self.read_only:
            raise ReadOnlyError(READ_ONLY_MESSAGE)

    def answer_stream(
        self,
        question: str,
        history: list[Turn],
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
    ) -> Iterator[str | Answered]:
        """The generated answer's pieces as the endpoint sends them (none without generation, or for a refusal),
        then the ``Answered``. Follow-ups resolve on the extractive answer, so generation never changes them."""
        answerer = Answerer(self.retriever)
        filters = {"region": region, "year": year, "doc_ids": doc_ids or None}
        extractive = answerer.answer(question, history, **filters)
        answered = Answered(extractive, answerer.turn(extractive) if extractive.understood else None, [])
        answered.concise = concise_lines(extractive)
        if self.generation is not None:
            for item in GeneratingAnswerer(answerer, self.generation).generate(extractive, **filters):
                if isinstance(item, Answer):
                    answered.answer = item
                else:
                    yield item
        yield answered

    def answer(
        self,
        question: str,
        history: list[Turn],
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
    ) -> Answered:
        """``answer_stream``'s end: the answer, generated when generation is configured."""
        *_, answered = self.answer_stream(question, history, region, year, doc_ids)
        assert isinstance(answered, Answered)
        return answered

    def hit_test(
        self,
        question: str,
        mode: str = "hybrid",
        k: int = 10,
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
    ) -> HitTest:
        """Retrieval and answering of ``question`` in ``mode`` (bm25, dense or hybrid), for administrators and
        evaluators; the public page and the API always answer in hybrid."""
        filters = {"region": region, "year": year, "doc_ids": doc_ids or None}
        hits = self.retriever.search(question, k, mode=mode, **filters)
        answer = Answerer(self.retriever, AnswerSettings(mode=mode)).answer(question, None, **filters)
        return HitTest(mode, hits, answer)

    def turns_from_questions(self, questions: list[str]) -> list[Turn]:
        """Turns for a client that only remembers its earlier questions (as ``understood``, in order)."""
        answerer = Answerer(self.retriever)
        return [answerer.turn_for(question) for question in filter(str.strip, questions)]

    def search(
        self,
        question: str,
        k: int = 10,
        region: str | None = None,
        year: int | None = None,
        doc_ids: list[str] | None = None,
        staged: bool = False,
    ) -> list[Hit]:
        """``staged``: search the staging index instead (administrators only: the caller checks)."""
        retriever = self.staging.retriever if staged else self.retriever
        if retriever is None:  # nothing is staged
            return []
        return retriever.search(question, k, region=region, year=year, doc_ids=doc_ids or None)

    def documents(self) -> list[dict]:
        """Every indexed document with its file name, for the filters and ``GET /api/documents``."""
        manifest = self.retriever.store.manifest
        rows = [
            {"doc_id": entry["doc_id"], "file": name, **entry["meta"], "passages": entry.get("passages", 0)}
            for name, entry in manifest["documents"].items()
        ]
        return sorted(rows, key=lambda row: (row["region"], row["year"] or 0, row["title"]))

    def filters_match(self, region: str | None, year: int | None, doc_ids: list[str] | None) -> bool:
        """Whether any indexed document is of ``region`` (or within it), of ``year`` and among ``doc_ids``.

        The page's filters offer the documents' own regions, so a region is matched as the documents spell it;
        the retriever's looser reading (any level named, 四川省 for a 高县 filter) would search other places.
        """
        return any(
            (not region or row["region"].startswith(region))
            and (year is None or row["year"] == year)
            and (not doc_ids or row["doc_id"] in doc_ids)
            for row in self.documents()
        )

    def failed_documents(self) -> dict[str, str]:
        return dict(self.retriever.store.manifest.get("failed", {}))

    def document_file(self, doc_id: str) -> Path | None:
        """The corpus file a doc_id comes from (looked up in the index manifest, never built from input)."""
        for name, entry in self.retriever.store.manifest["documents"].items():
            if entry["doc_id"] == doc_id:
                return self.engine.corpus_dir / name
        return None

    def original(self, doc_id: str) -> str | None:
        """The document's text as extracted, the text citation offsets point into; cached per file version."""
        path = self.document_file(doc_id)
        if path is None or not path.is_file():
            return None
        key = (str(path), path.stat().st_mtime)
        text = self._originals.get(key)
        if text is None:
            try:
                text = load_file(path, self._parser)
            except DocumentError:
                return None
            if len(self._originals) > 64:
                self._originals.clear()
            self._originals[key] = text
        return text

    def originals_for(self, citations: list[dict]) -> dict[str, str]:
        found = {}
        for doc_id in dict.fromkeys(citation["doc_id"] for citation in citations):
            if (text := self.original(doc_id)) is not None:
                found[doc_id] = text
        return found

    def add_documents(
        self, uploads: list[tuple[Path, str]], replace: bool = False, stage: bool = False
    ) -> UploadResult:
        """Check, copy into the corpus and index uploads ``(temp path, client's name)`` without a restart.

        A file whose name is already in the corpus is refused unless ``replace`` is set; the version it
        replaces is kept (``corpus/.versions/``) to be restored. A file the index cannot read (a scanned PDF,
        a broken docx) is taken out of the corpus again (the version it was to replace is put back) and
        reported as refused with the loader's reason. Files beyond the corpus quota are refused; if the new
        index cannot be written (a full disk), every file is taken out again and the index in use keeps
        serving. ReadOnlyError in read-only mode, UploadRefused for too many files. Audited uploads go through
        ``admin.upload``.

        ``stage``: into the staging area instead, through the same checks (searchable by admins only until
        published). A name already staged is refused (publish or discard it first); a name already public is
        not: publishing decides whether it replaces. Content already public or staged is refused either way,
        and staged files count against the quota.
        """
        self.require_writable()
        check_file_count(len(uploads))
        started = time.perf_counter()
        result = UploadResult(staged=stage)
        public = self.engine.corpus_dir
        target: Engine | StagingArea = self.staging if stage else self.engine
        corpus_dir, other = (self.staging.corpus_dir, public) if stage else (public, self.staging.corpus_dir)
        where, other_where = ("staged", "in the corpus") if stage else ("in the corpus", "staged")
        with tempfile.TemporaryDirectory(prefix="policy-qa-upload-") as received, self._refresh_lock:
            existing = frozenset() if replace and not stage else frozenset(p.name for p in corpus_files(corpus_dir))
            checked, result.refused = stage_uploads(
                uploads, Path(received), self.max_upload_bytes, existing, STAGED_NAME if stage else SAME_NAME
            )
            checked, over_quota = within_quota(checked, corpus_dir, self.corpus_quota_bytes, others=(other,))
            result.refused.update(over_quota)
            backups = Path(received) / "previous"
            backups.mkdir()
            for path in checked:  # a new version replaces the old one only if it can be read
                if (corpus_dir / path.name).is_file():
                    shutil.copy2(corpus_dir / path.name, backups / path.name)
            added, refused = add_to_corpus(checked, corpus_dir, where, content_owners(other, other_where))
            result.refused.update(_in_chinese(refused))
            if added:
                report = target.refresh()
                if report.not_updated:  # nothing new is served: the corpus goes back to what the index holds
                    unreadable = dict.fromkeys(
                        added, f"索引未更新（磁盘空间不足或不可写），现有索引继续服务：{report.not_updated}"
                    )
                else:
                    failed = {name: reason for name, reason in report.failed.items() if name in added}
                    unreadable = {name: f"无法读取：{reason}" for name, reason in failed.items()}
                for name, reason in unreadable.items():
                    if (backups / name).is_file():
                        shutil.copy2(backups / name, corpus_dir / name)
                    else:
                        (corpus_dir / name).unlink(missing_ok=True)
                    result.refused[name] = reason
                if unreadable and not report.not_updated:
                    target.refresh()
                result.added = [name for name in added if name not in unreadable]
                for name in result.added:
                    if (backups / name).is_file():
                        self.admin.versions.keep(backups / name, name, "replaced")
        result.seconds = time.perf_counter() - started
        return result


def _in_chinese(refused: dict[str, str]) -> dict[str, str]:
    """``add_to_corpus`` speaks English; the admin page speaks Chinese."""
    translated = {}
    for name, reason in refused.items():
        if reason.startswith("already in the corpus as "):
            reason = "内容与已有文件相同：" + reason.removeprefix("already in the corpus as ")
        elif reason.startswith("already staged as "):
            reason = "内容与暂存待审核的文件相同：" + reason.removeprefix("already staged as ")
        elif reason.startswith(WRITE_FAILED):
            reason = "无法写入语料目录（磁盘空间不足？）：" + reason.removeprefix(WRITE_FAILED)
        translated[name] = reason
    return translated
