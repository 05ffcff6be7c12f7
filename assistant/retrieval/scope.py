"""Which documents a question is about: jurisdictions and years it names, and explicit filters.

The same question has a different answer per jurisdiction and year, so a question that
names 高县 or 2022年 is answered from those documents only. Places are read with the same
gazetteer as documents' regions, so 苏州 reaches 太仓市's documents (太仓市 lies in 苏州市) and
a place the corpus lacks (成都) is reported as such.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from assistant.documents import DocumentMeta
from assistant.structure.regions import CITY, PROVINCE, Place, gazetteer

# Levels of a region the gazetteer does not know (a test's 测试县), by their suffixes.
_ADMIN_UNIT = re.compile(r".+?(?:自治区|自治州|特别行政区|省|市|县|区|旗|盟|镇|乡|街道)")
_SUFFIX = re.compile(r"(?:省|市|县|区|自治区|自治州|镇|乡)$")
# A year that names a document's year (2022年的要点), not a date within one (1979年春天出生, 2025年底前, 2024年3月),
# a target a plan sets (到2035年), the end of a period (2021-2022年) nor the year something happened to the asker
# (孩子是2023年在吉林出生的).
_YEAR = re.compile(
    r"(?<![\d到至\-—–~])((?:19|20)\d{2})(?:年度|年)(?!\s*\d{1,2}\s*月|[春夏秋冬初底末中内]|出生|生|前|后|以[前后]|之[前后])"
    r"(?![^，。？?；]{0,8}(?:出生|生的|生了|收养))"
)


@dataclass
class Scope:
    """The documents to search (None: all) and what in the question or filters chose them.

    ``unmatched`` names what the question asked for that no document covers: a year the named
    jurisdiction has no document for, or a jurisdiction only enclosing the documents' ones.
    """

    doc_ids: set[str] | None = None
    regions: tuple[str, ...] = ()
    year: int | None = None
    unmatched: str = ""
    titled: str = ""  # a document's title as the question writes it (《…》办法所称…): it says which document


def region_aliases(meta: DocumentMeta) -> list[list[str]]:
    """Names for each level of the document's region, outermost first (省, 市, 区/县)."""
    return [list(names) for names in _aliases(meta.region)]


@cache
def _aliases(region: str) -> tuple[tuple[str, ...], ...]:
    place = gazetteer().resolve(region) if region else None
    if place is not None and place.path == region:
        levels = [(p.name, p.aliases) for p in place.chain()]
    else:
        levels = [(name, ()) for name in _ADMIN_UNIT.findall(region) or ([region] if region else [])]
    aliases = []
    parent_short = ""
    for level, known in levels:
        names = {level, *(alias for alias in known if len(alias) >= 2)}
        short = _SUFFIX.sub("", level)
        if len(short) >= 2:
            names.add(short)
        # Locals drop the city: 达州高新区 is "高新区" to people in 达州.
        if parent_short and level.startswith(parent_short) and len(level) - len(parent_short) >= 3:
            names.add(level[len(parent_short) :])
        aliases.append(tuple(sorted(names, key=len, reverse=True)))
        parent_short = short
    return tuple(aliases)


def _region_match(mentioned: set[str], meta: DocumentMeta) -> int:
    """2 if the mentions name the document's own jurisdiction, 1 if only an enclosing one, else 0."""
    levels = region_aliases(meta)
    best = 0
    for depth, names in enumerate(levels):
        if mentioned.intersection(names):
            best = max(best, 2 if depth == len(levels) - 1 else 1)
    return best


def _mentions(text: str, documents: Iterable[DocumentMeta]) -> set[str]:
    """The jurisdiction names in ``text``, longest first, each occurrence used once.

    "达州高新区" must not also count as "达州": a matched name is blanked out before
    shorter names are looked for; a name qualified by its enclosing ones counts as itself alone.
    """
    own = {name: name for meta in documents for names in region_aliases(meta) for name in names}
    for meta in documents:
        own.update(_qualified_names(region_aliases(meta)))
    found = []
    for name in sorted(own, key=len, reverse=True):
        if name in text:
            found.append(own[name])
            text = text.replace(name, "\0")
    return set(found)


def _qualified_names(levels: list[list[str]]) -> dict[str, str]:
    """A level's names written after enclosing levels' names (广州市天河区, 四川高县) → the level's own name.

    "广州市天河区" names 天河区 alone, not also 广州市: the enclosing name only says which 天河区.
    """
    qualified: dict[str, str] = {}
    for depth, names in enumerate(levels):
        prefixes = [""]
        for enclosing in levels[:depth]:
            prefixes += [prefix + name for prefix in prefixes for name in enclosing]
        qualified.update({prefix + name: names[0] for prefix in prefixes if prefix for name in names})
    return qualified


def scope_for(
    question: str,
    documents: dict[str, DocumentMeta],
    region: str | None = None,
    year: int | None = None,
    doc_ids: list[str] | None = None,
) -> Scope:
    """Explicit filters win; otherwise jurisdictions and years named in the question narrow the search."""
    candidates = {doc_id: meta for doc_id, meta in documents.items() if not doc_ids or doc_id in doc_ids}
    region_text = _mentions(region or question, candidates.values())
    matches = {doc_id: _region_match(region_text, meta) for doc_id, meta in candidates.items()}
    best = max(matches.values(), default=0)
    regions: tuple[str, ...] = ()
    if best:
        candidates = {doc_id: meta for doc_id, meta in candidates.items() if matches[doc_id] == best}
        regions = tuple(sorted({meta.region for meta in candidates.values()}))
    elif region:
        candidates = {}
    unmatched = ""
    if best == 1 and not region:
        unmatched = "、".join(name for name in _named_levels(question, candidates.values()))
    if year is None and (found := _YEAR.search(question)):
        named = int(found.group(1))
        # A year no document has is not a filter (it may be a deadline), but it is reported.
        year = named if any(meta.year == named for meta in candidates.values()) else None
        if year is None and best:
            unmatched = unmatched or f"{'、'.join(_named_levels(question, candidates.values()))}{named}年"
    if year is not None:
        candidates = {doc_id: meta for doc_id, meta in candidates.items() if meta.year == year}
    titled, named = _titled(question, candidates)
    if named:
        candidates = {doc_id: candidates[doc_id] for doc_id in named}
    narrowed = bool(doc_ids or best or region or year is not None or named)
    return Scope(set(candidates) if narrowed else None, regions, year, unmatched, titled)


# Quotation marks a question may put around a title or inside it (《北京市实施〈…〉办法》).
_TITLE_MARKS = "《》〈〉“”\"'‘’ 　"
# A title shorter than this (政府工作报告) names a kind of document, not one.
MIN_TITLE_CHARS = 10


def _unmarked(text: str) -> str:
    return "".join(char for char in text if char not in _TITLE_MARKS)


def _titled(question: str, candidates: dict[str, DocumentMeta]) -> tuple[str, set[str]]:
    """The longest document title the question writes out (marks aside) and the documents bearing it.

    Runs on every search: a plain substring test over the titles, a pattern only for a title the question holds."""
    plain = _unmarked(question)
    marks = f"[{re.escape(_TITLE_MARKS)}]*"
    best, named = "", set()
    for doc_id, meta in candidates.items():
        title = _unmarked(meta.title)
        if len(title) < MIN_TITLE_CHARS or title not in plain:
            continue
        found = re.search(marks + marks.join(re.escape(char) for char in title) + marks, question)
        if found and len(found.group(0)) > len(best):
            best, named = found.group(0), {doc_id}
        elif found and found.group(0) == best:
            named.add(doc_id)
    return best, named


def _named_levels(question: str, metas: Iterable[DocumentMeta]) -> list[str]:
    """The jurisdiction names the question uses, as the documents spell them (宜宾市, 高县)."""
    named = []
    for meta in metas:
        for names in region_aliases(meta):
            if any(name in question for name in names) and names[0] not in named:
                named.append(names[0])
    return named


def unknown_places(question: str, documents: dict[str, DocumentMeta]) -> list[str]:
    """Place names in the question that match no document's jurisdiction (北京市, 成都…).

    A place is known if some document's region is it or lies in it (广东 → 广州市's documents); a province's
    document is not one for each of its cities.
    """
    regions = [place for meta in documents.values() if (place := _region_place(meta.region))]
    unknown = []
    for name, places in question_places(question):
        if not any(r.within(p) for p in places for r in regions) and name not in unknown:
            unknown.append(name)
    return unknown


def question_places(question: str) -> list[tuple[str, list[Place]]]:
    """Places a question names, as written, with the divisions each may be.

    Full names and provinces' short names (广东) are read from the text; a short city name (杭州, 烟台) where jieba
    reads it as a word, a short county name (天河) only where jieba also tags it a place, since many are common
    words too (合作, 新建).
    """
    import jieba.posseg

    table = gazetteer()
    words = jieba.posseg.lcut(question)
    places_words = list(dict.fromkeys(word for word, flag in words if flag == "ns"))
    tokens = {word for word, _ in words}
    found = []
    for mention in table.mentions(question):
        name = question[mention.start : mention.end]
        # A city's short name that jieba reads as a word of its own is one whatever tag it gives it (烟台: n).
        city = name in tokens and any(p.level == CITY for p in mention.places)
        if any(p.name == name or p.level == PROVINCE for p in mention.places) or name in places_words or city:
            found.append((name, mention.places))
    seen = {name for name, _ in found}
    for word in places_words:
        if not any(word in name for name in seen) and (places := table.named(word)):
            found.append((word, places))
    return found


@cache
def _region_place(region: str) -> Place | None:
    return gazetteer().resolve(region) if region else None
