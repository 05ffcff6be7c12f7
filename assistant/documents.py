"""The records that flow through the pipeline: documents, their metadata, passages."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from assistant.repair import Repaired

# Where a metadata field came from (DocumentMeta.sources).
HEADER, BODY, FILE_NAME, MANIFEST, ADMIN = "header", "body", "file name", "manifest", "admin"


@dataclass
class DocumentMeta:
    """Who issued a document, for where and when; empty strings where unknown.

    ``title`` is the document's own title: for 关于印发《X》的通知 it is X, and the notice's title is
    ``notice_title``. ``issuer`` joins ``issuers`` (joint issuers) with spaces. ``region`` is the full
    path (广东省广州市天河区, or 全国). Dates are ISO: ``date`` 成文/印发, ``published`` 发布,
    ``effective`` 施行, ``expires`` 有效期至. ``genre`` is one of GENRES in structure/genre.py.
    ``sources`` maps a field name to where it was found (header, body, file name, manifest, admin).
    """

    title: str = ""
    issuer: str = ""
    region: str = ""
    year: int | None = None
    date: str = ""
    doc_number: str = ""
    notice_title: str = ""
    issuers: list[str] = field(default_factory=list)
    published: str = ""
    effective: str = ""
    expires: str = ""
    genre: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


# The fields an administrator may correct (CLI ``meta``, REST, admin page, ``corpus/manifest.json``): one value each.
META_FIELDS = ("title", "issuer", "region", "year", "date", "doc_number", "published", "effective", "expires", "genre")
DATE_FIELDS = ("date", "published", "effective", "expires")  # ISO dates, YYYY-MM-DD
# A 文号 as documents write it (国办发〔2018〕71号, 穗府规[2025]2号): read by metadata, quoted by answers.
DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*\d{1,5}\s*号")


@dataclass
class Document:
    """A loaded document: the original extracted text and its repaired form."""

    doc_id: str
    path: str
    original: str
    repaired: Repaired
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    content_hash: str = ""


PROSE, RECORD = "prose", "record"
APPARATUS = "apparatus"  # prose that is the document's apparatus (info bar, cover notice, page chrome), not content


@dataclass
class Passage:
    """One retrievable unit: a prose chunk or a task record.

    ``start``/``end`` are character offsets into the document's original text, so a
    citation can be shown in the real file.
    """

    passage_id: str
    doc_id: str
    text: str
    section: list[str]
    start: int
    end: int
    kind: str = "prose"  # PROSE | RECORD | APPARATUS
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def section_path(self) -> str:
        return " > ".join(self.section)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        return cls(**data)
