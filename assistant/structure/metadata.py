"""Read a document's metadata from its own text: title, issuers, region, document number, dates, genre.

Documents state these in several layouts, all read here: YAML front matter, info bars (tab- or
table-separated 标题/发文机关/发文字号/成文日期 cells, at the top or the end), the cover notice
(文号 line, issuer, 关于印发《…》的通知, addressees, 落款 and date), Markdown/HTML titles, the
history lines of a 地方性法规, and clauses such as 自…起施行 and 有效期5年. The region is resolved
against the gazetteer from the issuer, else the title, else the file name. Every field records where
it came from; a sidecar manifest in the corpus may supply or override any field.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from assistant.documents import BODY, DOC_NUMBER, FILE_NAME, HEADER, MANIFEST, DocumentMeta
from assistant.structure.genre import TITLE_END, classify_genre
from assistant.structure.regions import NATIONAL, RELATIVE_LEVEL, Place, gazetteer, is_national

MANIFEST_NAME = "manifest.json"
HEAD_LINES = 45  # cover notice, info bar and title lie within these
TAIL_LINES = 25  # an info bar or 落款 may close the document
SIGNATURE_LINES = 4  # organ lines above a 落款 date
SPLIT_TITLE_CHARS = 30  # each half of a title broken over two lines is at most this long

# Info-bar labels by field (spaces inside a label are allowed: 标  题, 文 号).
_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "名称", "title"),
    "issuer": ("发文机关", "发布机关", "发布机构", "发文单位", "发布单位", "制发机关"),
    "doc_number": ("发文字号", "文件编号", "文号"),
    "date": ("成文日期", "生成日期", "印发日期"),
    "published": ("发布日期", "公开日期", "发表时间", "发布时间"),
    "effective": ("实施日期", "施行日期", "生效日期"),
    "expires": ("失效日期", "有效期至"),
    "source": ("信息来源", "文章来源", "来源"),
}
_LABEL_FIELD = {label: name for name, labels in _LABELS.items() for label in labels}
_SPACED_LABEL = re.compile(
    "|".join(sorted(("[ \u3000]*".join(label) for label in _LABEL_FIELD), key=len, reverse=True))
)
_BRACKETED_LABEL = re.compile(rf"[【\[]({'|'.join(_LABEL_FIELD)})[】\]]\s*[:：]?")  # 【发布机构】…
_CELL_SPLIT = re.compile(r"\t|\||\s{2,}|\u3000+")
_CELL = re.compile(rf"^({'|'.join(sorted(_LABEL_FIELD, key=len, reverse=True))})\s*(?:[:：]\s*(.*)|$)")
_EMPTY_VALUE = re.compile(r"^[-—－无/]*$")

_DATE = re.compile(r"((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
_DATE_LINE = re.compile(rf"^\s*{_DATE.pattern}\s*(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*$")
_ISSUED_LINE = re.compile(rf"{_DATE.pattern}\s*印发\s*$")
# A title's year; of a period (（2025-2027年）, 2021—2025年) the first, when the plan was made, not its end.
_YEAR = re.compile(r"((?:19|20)\d{2})\s*(?:[-—–~至到]\s*(?:19|20)\d{2}\s*)?年")
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")

_ORGAN_END = (
    "人民代表大会常务委员会|人民代表大会|人民政府办公室|人民政府办公厅|人民政府|党政办公室|管理委员会|管委会|委员会|"
    "办公室|办公厅|办事处|领导小组|工作组|秘书处|联合会|政府|中心|总局|局|厅|部|委|院|署|(?<!公)司|办|处|所|站"
)
_ORGAN = re.compile(rf"^[\u4e00-\u9fff（）()]{{1,40}}?(?:{_ORGAN_END})$")
_NOT_ORGAN = re.compile(r"关于|印发|各|^[经现根为]|[，。；：:]")
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{1,20}(?:自治区|自治州|省|市|县|区|旗|盟|镇|乡|街道)")
_SITE_SUFFIX = re.compile(r"(?:官方网站|门户网站|官网|网站)$")
_ADDRESSEE = re.compile(r"^各.*[：:]$|[：:]$")

_NOTICE = re.compile(r"^(.*?)关于(?:印发|转发|发布|公布)(?:[\u4e00-\u9fff]{0,12}?的)?《?(.+?)》?的(?:通知|决定)$")
_ISSUED_NOTICE = re.compile(r"^(.*?)(?:印发|转发|发布)《(.+)》的(?:通知|决定)$")
# The addressee a notice title is followed by (区属各单位：, 各乡镇人民政府，县直各部门：), when a layout ran the two
# lines together.
_ADDRESSEE_TAIL = re.compile(r"(?<=通知|决定)[^。；！？]{1,60}[：:]$")
_ENCLOSED = re.compile(
    r"现将《([^《》]{4,80})》\s*(?:印发|转发|发布|予以印发)|《([^《》]{4,80})》[^《》。]{0,60}现(?:予)?印发"
)
_BREADCRUMB = re.compile(r">|当前位置|所在的位置|首页")
_SECTION = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十百]+[章节条]|[（(]|\d+[.、．])")
_SENTENCE = re.compile(r"[。；，,;]$")
_SUBTITLE = re.compile(r"——.*$")
_PAGE_SUFFIX = re.compile(r"\s*[-_|–]\s*[^-_|–]*(?:网站|网|门户|平台)$")
_HEADING = re.compile(r"^\s*#+\s")  # Markdown; web pages keep their <title> and h1 as such
_MARKUP = re.compile(r"\*\*|~~|^\s*(?:#+|>)\s*")
_SPACE_IN_NAME = re.compile(r"\s+")
_BRACKETS = re.compile(r"^[（(]|[）)]$")  # a 文号 line in brackets: （医保发〔2021〕27号）
_SIGNED_LINE = re.compile(rf"^(\S.*?[\u4e00-\u9fff])\s*({_DATE.pattern})\s*$")

_LAW_HISTORY = re.compile(
    rf"^{_DATE.pattern}\s*(.+?)第[一二三四五六七八九十百]+届人民代表大会(常务委员会)?第[一二三四五六七八九十百]+次会议"
)
_REPORTER = re.compile(r"我代表([\u4e00-\u9fff]{2,20}?)[，,]向大会报告")
_EFFECTIVE = re.compile(
    r"本[\u4e00-\u9fff《》（）]{0,15}?自\s*(?:(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"|(?P<event>印发|发布|公布|出台|颁布)之日)\s*起\s*(?:施行|实施|执行|生效)"
)
_VALID_UNTIL = re.compile(rf"有效期至\s*{_DATE.pattern}")
_VALID_YEARS = re.compile(r"有效期(?:为|暂定|暂定为)?\s*([0-9]+|[一二三四五六七八九十])\s*年")
_CN_DIGITS = "一二三四五六七八九十"
# Dates in Chinese numerals, as 落款 in scanned or Word notices write them: 二〇二三年五月六日.
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


@dataclass
class _Found:
    """Candidate values for one document, each with its source, best first."""

    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, name: str, value: str, source: str) -> None:
        if value:
            self.values.setdefault(name, []).append((value, source))

    def first(self, name: str) -> tuple[str, str]:
        return (self.values.get(name) or [("", "")])[0]


def extract_metadata(text: str, file_name: str = "") -> DocumentMeta:
    """Metadata read from the (repaired) text, the file name filling in region and year; fields not found stay empty."""
    text = _CN_DATE.sub(_arabic_date, text)
    lines = [_clean(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    head, tail = lines[:HEAD_LINES], lines[-TAIL_LINES:]
    found = _Found()
    _read_info_bars(head + tail, found)
    _read_cover(head, lines, found)
    _read_clauses(text, found)
    meta = DocumentMeta()
    _set_title(meta, found, head, text)
    _set_issuers(meta, found)
    _set_region(meta, "\n".join(head + tail), file_name)
    _qualify_issuers(meta)
    for name in ("doc_number", "date", "published", "effective", "expires"):
        _set(meta, name, *found.first(name))
    _set_dates(meta, found, file_name)
    meta.genre = classify_genre(meta.title, text)
    return meta


def _clean(line: str) -> str:
    """A line without Markdown markup (broken bold ``**…****…**`` included) and outer spaces."""
    return _MARKUP.sub("", line).replace("**", "").strip()


def _arabic_date(match: re.Match[str]) -> str:
    year = "".join(str(max(0, _CN_DIGITS.find(char) + 1)) for char in match.group(1))
    return f"{year}年{_small_number(match.group(2))}月{_small_number(match.group(3))}日"


def _small_number(numeral: str) -> int:
    """一 … 三十一 as a number."""
    tens, _, units = numeral.rpartition("十")
    if "十" not in numeral:
        return _CN_DIGITS.index(numeral) + 1
    return (_CN_DIGITS.index(tens) + 1 if tens else 1) * 10 + (_CN_DIGITS.index(units) + 1 if units else 0)


def _set(meta: DocumentMeta, name: str, value: object, source: str) -> None:
    if value:
        setattr(meta, name, value)
        meta.sources[name] = source


def _iso(match: re.Match[str]) -> str:
    year, month, day = (int(part) for part in match.groups()[:3])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return ""


def _date_in(value: str) -> str:
    match = _DATE.search(value)
    return _iso(match) if match else ""


# --- info bars -------------------------------------------------------------------------------------------------


def _read_info_bars(lines: list[str], found: _Found) -> None:
    """``label：value`` cells, one or several to a line, the value in the same or the next cell."""
    for index, line in enumerate(lines):
        line = _BRACKETED_LABEL.sub(r"\t\1：", _SPACED_LABEL.sub(_unspace, line))
        if not re.search(r"[\t|]", line) and (whole := _CELL.match(line)) and whole.group(2):
            _add_bar_value(found, _LABEL_FIELD[whole.group(1)], whole.group(2))  # label: value, spaces and all
            continue
        cells = [cell.strip(" *") for cell in _CELL_SPLIT.split(line)]
        cells = [cell for cell in cells if cell]
        for position, cell in enumerate(cells):
            match = _CELL.match(cell)
            if not match:
                continue
            name = _LABEL_FIELD[match.group(1)]
            value = (match.group(2) or "").strip()
            if not value and position + 1 < len(cells) and not _CELL.match(cells[position + 1]):
                value = cells[position + 1]
            elif not value and position + 1 == len(cells) and index + 1 < len(lines):
                value = lines[index + 1] if _DATE_LINE.match(lines[index + 1]) else ""
            _add_bar_value(found, name, value)


def _unspace(match: re.Match[str]) -> str:
    return re.sub(r"[ \u3000]", "", match.group(0))


def _add_bar_value(found: _Found, name: str, value: str) -> None:
    value = value.strip(" *：:")
    if _EMPTY_VALUE.match(value):
        return
    if name in ("date", "published", "effective", "expires"):
        found.add(name, _date_in(value), HEADER)
    elif name == "doc_number":
        if number := DOC_NUMBER.search(value):
            found.add(name, number.group(0), HEADER)
    elif name == "source":
        found.add("source_issuer", _SITE_SUFFIX.sub("", value.split()[0]), HEADER)
    elif name == "issuer":
        found.add("bar_issuer", value, HEADER)
    else:
        found.add(name, value, HEADER)


# --- the cover notice ------------------------------------------------------------------------------------------


def _read_cover(head: list[str], lines: list[str], found: _Found) -> None:
    """Title lines, 文号 line, 落款 (organs over a date), law history, first date line of a web page."""
    for line in head:
        if DOC_NUMBER.fullmatch(number := _BRACKETS.sub("", line)):
            found.add("doc_number", _SPACE_IN_NAME.sub("", number), HEADER)
    history = [(line, match) for line in head if (match := _LAW_HISTORY.match(line))]
    if history:  # the body that passed it first: a 自治县's own 人民代表大会, a city's 常委会 (not the approving one's)
        first = history[0][1]
        found.add("law_issuer", f"{first.group(4)}人民代表大会{first.group(5) or ''}", HEADER)
        found.add("date", max(_iso(date) for line, _ in history for date in _DATE.finditer(line)), HEADER)
    for index, line in enumerate(lines):
        # A PDF's text may run the 落款 and its date into one line: 国家医保局 财政部 2021年4月12日.
        if _DATE_LINE.match(line):
            signing, dated = [], line
        elif signed := _SIGNED_LINE.match(line):
            signing, dated = [signed.group(1)], signed.group(2)
        else:
            continue
        if organs := _signature([*lines[max(0, index - SIGNATURE_LINES) : index], *signing]):
            found.add("signature", " ".join(organs), HEADER)
            found.add("date", _date_in(dated), HEADER)
            break
    for line in lines:
        if issued := _ISSUED_LINE.search(line):
            found.add("date", _iso(issued), BODY)
    for index, line in enumerate(head[:10]):
        if _DATE_LINE.match(line) and not (index and _is_organ_line(head[index - 1])):
            found.add("published", _date_in(line), HEADER)
            break
    for index, line in enumerate(head[:25]):
        # Organs above a notice title (关于…) or below the sentence sending a document (现将《…》印发).
        beside = head[index + 1 : index + 2] + head[max(0, index - 1) : index]
        if _is_organ_line(line) and any("关于" in other or "《" in other for other in beside):
            found.add("organ_line", line, HEADER)
            break


def _organs(line: str) -> list[str]:
    """The organ names making up a line, or [] if it is anything else."""
    tokens = [token for token in re.split(r"[\s、]+", line) if token]
    if tokens and all(_ORGAN.match(token) and not _NOT_ORGAN.search(token) for token in tokens):
        return tokens
    return []


def _is_organ_line(line: str) -> bool:
    return bool(_organs(line)) and not _ADDRESSEE.search(line)


def _signature(above: list[str]) -> list[str]:
    """Organs signing above a date: one per line or several to a line, or split over two lines in columns
    (``广西壮族自治区 广西壮族自治区`` over ``卫生健康委员会 公安厅``)."""
    organs: list[str] = []
    index = len(above) - 1
    while index >= 0:
        line = above[index]
        upper = above[index - 1].split() if index else []
        lower = line.split()
        if len(upper) == len(lower) > 1 and all(gazetteer().named(t) for t in upper) and _organs(line):
            organs[:0] = [a + b for a, b in zip(upper, lower, strict=True)]
            index -= 2
        elif _is_organ_line(line):
            organs[:0] = _organs(line)
            index -= 1
        else:
            break
    return organs


def _read_clauses(text: str, found: _Found) -> None:
    """Clauses of the running text: who reports (政府工作报告), 自…起施行, 有效期."""
    if reporter := _REPORTER.search(text):
        found.add("reporter", reporter.group(1), BODY)
    effective = list(_EFFECTIVE.finditer(text))
    if effective:
        last = effective[-1]
        if last.group("date"):
            found.add("effective", _date_in(last.group("date")), BODY)
        else:
            found.add("effective_on_issue", last.group("event"), BODY)
    if until := _VALID_UNTIL.search(text):
        found.add("expires", _iso(until), BODY)
    if years := _VALID_YEARS.search(text):
        count = years.group(1)
        found.add("valid_years", str(int(count) if count.isdigit() else _CN_DIGITS.index(count) + 1), BODY)


# --- title -----------------------------------------------------------------------------------------------------


def _set_title(meta: DocumentMeta, found: _Found, head: list[str], text: str) -> None:
    """The first title candidate that reads as a title, then the document it encloses, if any."""
    candidates = list(found.values.get("title", []))
    candidates += _notice_lines(head)
    if sent := _enclosed_in_text("\n".join(head)):
        candidates.append((sent, HEADER))
    headings = {_clean(line) for line in text.splitlines() if _HEADING.match(line)}
    candidates += [(line, HEADER) for line in head[:30] if line in headings]
    candidates += [
        (first + second, HEADER) for first, second in itertools.pairwise(head[:12]) if _split_title(first, second)
    ]
    candidates += [(line, HEADER) for line in head[:12] if TITLE_END.search(_title_text(line))]
    candidates += [(line, HEADER) for line in head[:1]]  # a web page's <title>, a text's first line
    title, source = next(((t, s) for raw, s in candidates if (t := _title_text(raw))), ("", ""))
    enclosed = _enclosed(title)
    if enclosed and enclosed != title:
        _set(meta, "notice_title", title, source)
        title = enclosed
    _set(meta, "title", title, source)


def _notice_lines(head: list[str]) -> list[tuple[str, str]]:
    """A notice title, joined when broken over up to three lines, with the issuer line above it."""
    found = []
    for index, line in enumerate(head[:20]):
        if "关于" not in line or _ADDRESSEE.search(line):
            continue
        joined = line
        for extra in head[index + 1 : index + 3]:
            if TITLE_END.search(joined):
                break
            joined += extra
        if TITLE_END.search(joined):
            above = head[index - 1] if index and joined.startswith("关于") and _is_organ_line(head[index - 1]) else ""
            found.append((f"{above}{joined}", HEADER))
    return found


def _split_title(first: str, second: str) -> bool:
    """A title broken over two short lines (广州市天河区深化支持港澳青年 / 创新创业高质量发展实施办法)."""
    short = all(
        len(line) <= SPLIT_TITLE_CHARS and not re.search(r"[，。；：:、（）()《》]", line) for line in (first, second)
    )
    return short and not TITLE_END.search(first) and bool(TITLE_END.search(_title_text(first + second)))


def _title_text(raw: str) -> str:
    """A candidate made into a title, or "" if it is not one (breadcrumb, addressees, a bare year)."""
    title = _SPACE_IN_NAME.sub(" ", _PAGE_SUFFIX.sub("", _SUBTITLE.sub("", raw))).strip().rstrip("~")
    if enclosed := _enclosed_in_text(title):
        return enclosed
    if _BREADCRUMB.search(title) or _ADDRESSEE.search(title) or _SECTION.match(title) or _SENTENCE.search(title):
        return ""
    if len(title) < 6 or "：" in title:
        return ""
    if title.startswith("《") and title.endswith("》"):
        title = title[1:-1]
    segments = title.split()
    if len(segments) > 1 and "关于" not in title and TITLE_END.search(segments[-1]):
        title = segments[-1]  # a site's name or column before the title
    return title


def _enclosed(title: str) -> str:
    """X in 关于印发《X》的通知 (or 印发《X》的通知), without the spaces extraction put in it."""
    match = _ISSUED_NOTICE.match(title) or _NOTICE.match(title)
    enclosed = _SPACE_IN_NAME.sub("", match.group(2)).strip("《》") if match else ""
    return "" if "《" in enclosed or "》" in enclosed else enclosed  # 印发《A》《B》: the notice is the title


def _enclosed_in_text(text: str) -> str:
    """X in 现将《X》印发给你们 or 《X》…现予印发: the document a cover notice sends."""
    match = _ENCLOSED.search(text)
    return _SPACE_IN_NAME.sub("", match.group(1) or match.group(2)) if match else ""


# --- issuers, region --------------------------------------------------------------------------------------------


def _set_issuers(meta: DocumentMeta, found: _Found) -> None:
    """Issuers from the 落款, the law's history, the info bar, the title, the first organ line or 来源.

    The first candidate that names a place wins; otherwise the first one (市卫生健康委员会).
    """
    candidates = [found.first(name) for name in ("signature", "law_issuer", "bar_issuer")]
    if meta.notice_title or meta.title:
        prefix = re.match(r"^(.+?)关于", meta.notice_title or meta.title)
        if prefix and _organs(prefix.group(1)):
            candidates.append((prefix.group(1), meta.sources.get("notice_title") or meta.sources["title"]))
    candidates += [found.first(name) for name in ("organ_line", "reporter", "source_issuer")]
    candidates = [(value, source) for value, source in candidates if value and _organs(value)]
    if not candidates:
        return
    value, source = next(
        ((v, s) for v, s in candidates if gazetteer().mentions(v) or is_national(_organs(v)[0])), candidates[0]
    )
    meta.issuers = _organs(value)
    _set(meta, "issuer", " ".join(meta.issuers), source)


def _set_region(meta: DocumentMeta, context: str, file_name: str) -> None:
    """The region of the issuer, else of the title, else of the file name (as written, if the gazetteer lacks it)."""
    for name in ("issuer", "title", "notice_title"):
        value = getattr(meta, name)
        if not value:
            continue
        if name == "issuer" and is_national(meta.issuers[0]):
            _set(meta, "region", NATIONAL, meta.sources[name])
            return
        if place := gazetteer().resolve(value, context=context):
            _set(meta, "region", place.path, meta.sources[name])
            return
    stem = Path(file_name).stem.split("_")[0]
    if stem and is_national(stem):
        _set(meta, "region", NATIONAL, FILE_NAME)
    elif stem and (place := gazetteer().resolve(stem, context=context)):
        _set(meta, "region", place.path, FILE_NAME)
    elif _PLACE_NAME.fullmatch(stem):
        _set(meta, "region", stem, FILE_NAME)  # a place newer than the gazetteer, as the file is named


def _qualify_issuers(meta: DocumentMeta) -> None:
    """An organ named by its level only (市卫生健康委员会) gets the region's name at that level."""
    place = gazetteer().resolve(meta.region) if meta.region and meta.region != NATIONAL else None
    if place is None or not meta.issuers:
        return
    qualified = [_qualified(organ, place) for organ in meta.issuers]
    if qualified != meta.issuers:
        meta.issuers = qualified
        meta.issuer = " ".join(qualified)


def _qualified(organ: str, place: Place) -> str:
    level = RELATIVE_LEVEL.match(organ)
    if not level or gazetteer().mentions(organ):
        return organ
    named = next((p for p in reversed(place.chain()) if p.name.endswith(level.group(0))), None)
    return f"{named.name}{organ[len(level.group(0)) :]}" if named else organ


# --- dates -----------------------------------------------------------------------------------------------------


def _set_dates(meta: DocumentMeta, found: _Found, file_name: str) -> None:
    """施行 "from the day it is issued" is the 成文 date; 有效期N年 counts from 施行; the year from 成文,
    发布, the title, else the file name."""
    if not meta.effective and found.first("effective_on_issue")[0]:
        _set(meta, "effective", meta.date or meta.published, BODY)
    valid_years = found.first("valid_years")
    if not meta.expires and meta.effective and valid_years[0]:
        start = date.fromisoformat(meta.effective)
        year = start.year + int(valid_years[0])
        anniversary = date(year, 3, 1) if (start.month, start.day) == (2, 29) else start.replace(year=year)
        end = anniversary - timedelta(days=1)
        _set(meta, "expires", end.isoformat(), BODY)
    for name in ("date", "published"):
        if getattr(meta, name):
            _set(meta, "year", int(getattr(meta, name)[:4]), meta.sources[name])
            return
    if meta.title and (year := _YEAR.search(meta.title)):
        _set(meta, "year", int(year.group(1)), meta.sources["title"])
    elif year := _FILE_YEAR.search(Path(file_name).stem):
        _set(meta, "year", int(year.group(1)), FILE_NAME)


# --- manifest --------------------------------------------------------------------------------------------------


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


def merge_metadata(found: DocumentMeta, overrides: dict, file_name: str, source: str = MANIFEST) -> DocumentMeta:
    """Apply overrides (from the manifest, or an administrator), then warn about every field still missing."""
    for key, value in overrides.items():
        if hasattr(found, key) and key != "sources":
            setattr(found, key, value)
            found.sources[key] = source
    for key in ("title", "issuer", "region", "year", "date", "doc_number", "genre"):
        if not getattr(found, key):
            print(f"warning: {file_name}: metadata field '{key}' not found in the document", file=sys.stderr)
    return found


# --- apparatus: the lines around a document's content ------------------------------------------------------------

_FRONT_MATTER_LINE = re.compile(r"^(?:-{3,}|[A-Za-z_]+:(?:\s|$))")  # YAML front matter a site export keeps
_LABEL_LINE = re.compile(rf"^(?:{_SPACED_LABEL.pattern}|[【\[](?:{'|'.join(_LABEL_FIELD)})[】\]])")
_CHROME_CHARS = 12  # a line this short without punctuation is page chrome (无障碍阅读, 繁体版, 特此通知)
_PUNCTUATION = re.compile(r"[。；，,;！？]")
TITLE_MIN_CHARS = 8  # a shorter title (通知, 实施方案) is too common to mark a line as the title line
TITLE_LINE_EXTRA = 40  # characters beside the title on a title line (site name, 文号, 【解读】)
MIN_RUN_CHARS = 40
_TRAIL = re.compile(  # a page's breadcrumb trail: 当前位置：首页 > …, [首页](…) | >[政策](…)
    r"^您?(?:当前|所在的?)位置|^\[?首页\]?(?:\([^)]*\))?\s*[>＞»|]|^\[[^\]]{2,12}\]\([^)]*\)\s*\|?\s*[>＞»]"
)


def apparatus_line(line: str, title: str = "") -> str:
    """What a line of the document's apparatus is ("telling", "chrome"), or "" for content.

    Telling lines belong to no document's content: info-bar labels, front matter, breadcrumbs, notice titles,
    the sentence sending an enclosed document, a law's adoption history, a standalone 文号 or date, an
    addressee line, the document's ``title`` with little else. Chrome is short unpunctuated text (site
    menus, 特此通知) and organ names (a 落款 above its date), apparatus only beside telling lines, since a
    table's cells look the same.
    """
    line = _clean(line)
    if not line:
        return ""
    notice = _ADDRESSEE_TAIL.sub("", line)
    if (
        (len(title) >= TITLE_MIN_CHARS and title in line and len(line) - len(title) <= TITLE_LINE_EXTRA)
        or _FRONT_MATTER_LINE.match(line)
        or _LABEL_LINE.match(line)
        or len(_SPACED_LABEL.findall(line)) >= 2  # an info bar flattened into one line
        or _TRAIL.search(line)
        or _NOTICE.match(notice)
        or _ISSUED_NOTICE.match(notice)
        or _ENCLOSED.search(line)
        or _LAW_HISTORY.match(line)
        or _DATE_LINE.match(line)
        or _ISSUED_LINE.search(line)
        or DOC_NUMBER.fullmatch(line)
        or (line.startswith("各") and line.endswith(("：", ":")))
    ):
        return "telling"
    if _is_organ_line(line) or (
        len(line) <= _CHROME_CHARS and not _PUNCTUATION.search(line) and not _SECTION.match(line)
    ):
        return "chrome"
    return ""


def apparatus_runs(text: str, title: str = "") -> list[tuple[int, int, bool]]:
    """``text`` cut into runs of whole lines, each ``(start, end, is_apparatus)``, covering it in order.

    An apparatus run is a stretch of telling and chrome lines holding at least one telling line (chrome
    alone is as likely a table's cells); everything else is content. A passage cut from one run is then
    all apparatus or all content, so an article is never ranked down for the 落款 printed under it. A run
    shorter than ``MIN_RUN_CHARS`` (half a title broken over two lines, a lone date in a table) joins the
    run before it.
    """
    lines = text.splitlines(keepends=True)
    kinds = [apparatus_line(line, title) for line in lines]
    runs: list[tuple[int, int, bool]] = []
    offset = index = 0
    while index < len(lines):
        stop = index
        while stop < len(lines) and bool(kinds[stop]) == bool(kinds[index]):
            stop += 1
        apparatus = "telling" in kinds[index:stop]
        length = sum(len(line) for line in lines[index:stop])
        if runs and (runs[-1][2] == apparatus or length < MIN_RUN_CHARS):
            runs[-1] = (runs[-1][0], offset + length, runs[-1][2])
        else:
            runs.append((offset, offset + length, apparatus))
        offset += length
        index = stop
    if len(runs) > 1 and runs[0][1] - runs[0][0] < MIN_RUN_CHARS:  # a short first run joins the next
        runs[:2] = [(0, runs[1][1], runs[1][2])]
    return runs
