"""Read a document's metadata from its own header: title, issuer, date, document number.

A 政府办公室 notice has a fixed shape (文号 line, issuer, 关于印发《…》的通知, addressees,
signature and date). The region is not always spelled out (no province, say), so a
sidecar manifest in the corpus may supply or override any field.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from assistant.documents import DocumentMeta

HEADER_CHARS = 1200
MANIFEST_NAME = "manifest.json"

_DOC_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号$")
_ISSUER_ENDINGS = "人民政府办公室|人民政府办公厅|党政办公室|人民政府|管理委员会|管委会|办公室|办公厅"
_ISSUER = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,30}}?(?:{_ISSUER_ENDINGS})")
_DATE = re.compile(r"^((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日$")
_NOTICE_TITLE = re.compile(r"关于印发《?(.+?)》?的通知")
_QUOTED_TITLE = re.compile(r"《([^《》]{4,60})》")
_YEAR = re.compile(r"((?:19|20)\d{2})年")
_ISSUER_SUFFIX = re.compile(rf"(?:{_ISSUER_ENDINGS})$")


def extract_metadata(text: str) -> DocumentMeta:
    """Metadata found in the header of the (repaired) text; fields not found stay empty."""
    lines = [line.strip().strip("*# ").strip() for line in text[:HEADER_CHARS].splitlines()]
    lines = [line for line in lines if line]
    joined = "".join(lines)
    meta = DocumentMeta()
    meta.doc_number = next((line for line in lines if _DOC_NUMBER.match(line)), "")
    meta.issuer = next((m.group(0) for line in lines if (m := _ISSUER.match(line)) and "关于" not in m.group(0)), "")
    dates = [m for line in lines if (m := _DATE.match(line))]
    if dates:
        year, month, day = (int(part) for part in dates[0].groups())
        meta.date = f"{year:04d}-{month:02d}-{day:02d}"
        meta.year = year
    title = _NOTICE_TITLE.search(joined) or _QUOTED_TITLE.search(joined)
    if title:
        meta.title = title.group(1)
    if meta.year is None and (year_match := _YEAR.search(meta.title or joined)):
        meta.year = int(year_match.group(1))
    meta.region = _ISSUER_SUFFIX.sub("", meta.issuer)
    return meta


def load_manifest(corpus_dir: Path) -> dict[str, dict]:
    """Per-file overrides from ``corpus/manifest.json`` (file name → fields); empty if absent."""
    path = corpus_dir / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"warning: ignoring {path}: {error}", file=sys.stderr)
        return {}
    return data if isinstance(data, dict) else {}


def merge_metadata(found: DocumentMeta, overrides: dict, file_name: str) -> DocumentMeta:
    """Apply manifest overrides, then warn about every field still missing."""
    for key, value in overrides.items():
        if hasattr(found, key):
            setattr(found, key, value)
    for key in ("title", "issuer", "region", "year", "date"):
        if not getattr(found, key):
            print(f"warning: {file_name}: metadata field '{key}' not found in the document", file=sys.stderr)
    return found
