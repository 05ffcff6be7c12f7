"""Plain text and markdown: decode whatever encoding the file arrived in."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from assistant.loading.errors import DocumentError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# charset-normalizer names the GB family by its smallest member; GB18030 decodes all of them.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz"}
# charset-normalizer takes seconds per 10 MB; a file's first megabyte tells its encoding as well as all of it.
_SAMPLE_BYTES = 1 << 20


def decode_bytes(data: bytes, path: Path) -> str:
    """Decode by BOM, then UTF-8, then GB18030, then charset-normalizer's best guess."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):  # the BOM settles it; a cut-off last character is replaced, not fatal
            return data.decode(encoding, errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data[:_SAMPLE_BYTES]).best()
    if best is None:
        raise DocumentError(path, "not text in any known encoding")
    encoding = "gb18030" if best.encoding in _GB_FAMILY else best.encoding
    return data.decode(encoding, errors="replace")


def load_text(path: Path) -> str:
    return decode_bytes(path.read_bytes(), path)
