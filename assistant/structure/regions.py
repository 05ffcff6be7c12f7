"""China's administrative divisions, for reading places out of headers, file names and questions.

The divisions (province → city → county → town, with short names such as 杭州, 天河) come from the
gazetteer bundled with ``jionlp``; its data file is read directly, so the package's heavy imports
(and its start-up banner on stdout) are avoided. Development zones (达州高新区, 平潭综合实验区) are not
divisions; they are recognised as a place name followed by a zone word.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

NATIONAL = "全国"

PROVINCE, CITY, COUNTY, TOWN = range(4)

# Gazetteer rows that stand for no place of their own ("市直辖行政区划") are skipped in paths.
_PLACEHOLDER = re.compile(r"直辖|行政区划")

# What a town's own name ends with (the gazetteer's town level also holds parks and farms).
_TOWN_NAME = re.compile(r"..(?:镇|乡|街道|苏木)$")

# Zone words, longest first, with the short form people use (达州高新技术产业园区 → 达州高新区).
ZONE_WORDS: dict[str, str] = {
    "高新技术产业开发区": "高新区",
    "高新技术产业园区": "高新区",
    "高新技术开发区": "高新区",
    "经济技术开发区": "经开区",
    "经济开发区": "经开区",
    "综合实验区": "综合实验区",
    "综合试验区": "综合试验区",
    "高新区": "高新区",
    "经开区": "经开区",
    "开发区": "开发区",
    "管理区": "管理区",
    "示范区": "示范区",
    "新区": "新区",
}
# Zones of these kinds are run by the province itself (福建省平潭综合实验区), not by the city around them.
PROVINCE_RUN_ZONES = {"综合实验区"}
_ZONE = re.compile(rf"([\u4e00-\u9fff]{{0,4}}?)({'|'.join(ZONE_WORDS)})")

# Organs of the central government name no place: 国务院, 国家医保局, 财政部, 中共中央.
_NATIONAL_ORGAN = re.compile(r"^(?:国务院|国家|中共中央|中央|全国|最高人民)|^[\u4e00-\u9fff]{2,12}部$")
# A name starting with an unnamed level (市卫生健康委员会) belongs to some place, not to the nation.
RELATIVE_LEVEL = re.compile(r"^(?:自治区|自治州|省|市|区|县|镇|乡|旗|盟|州)")


@dataclass(eq=False)
class Place:
    """One administrative division (or a zone) and the division that contains it."""

    name: str
    level: int
    aliases: tuple[str, ...] = ()
    parent: Place | None = None
    children: dict[str, Place] = field(default_factory=dict, repr=False)

    def chain(self) -> list[Place]:
        """This place and its ancestors, outermost first, without placeholders and repeats (上海市上海市)."""
        chain: list[Place] = []
        place: Place | None = self
        while place is not None:
            if not _PLACEHOLDER.search(place.name) and not (chain and chain[0].name == place.name):
                chain.insert(0, place)
            place = place.parent
        return chain

    @property
    def path(self) -> str:
        """The full path as documents write it: 江苏省苏州市太仓市."""
        return "".join(place.name for place in self.chain())

    def within(self, other: Place) -> bool:
        """True if this place is ``other`` or lies inside it."""
        return any(place is other for place in self.chain())


@dataclass
class Mention:
    """A place name found in a text: where, and every division it may denote."""

    start: int
    end: int
    places: list[Place]


@dataclass
class Gazetteer:
    """Names → divisions; full names of every level, short names of provinces, cities and counties."""

    full: dict[str, list[Place]] = field(default_factory=dict)
    short: dict[str, list[Place]] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)  # of all names, longest first
    starts: set[str] = field(default_factory=set)  # first characters of all names

    def add(self, place: Place) -> None:
        self.full.setdefault(place.name, []).append(place)
        self.starts.add(place.name[0])
        names = [place.name]
        for alias in place.aliases:
            if len(alias) >= 2 and alias != place.name and alias not in ZONE_WORDS.values():
                self.short.setdefault(alias, []).append(place)
                self.starts.add(alias[0])
                names.append(alias)
        self.lengths = sorted(set(self.lengths).union(len(name) for name in names), reverse=True)

    def named(self, name: str) -> list[Place]:
        """Divisions called ``name``, by full or short name; towns only by a town's name (not 工业园区)."""
        found = [p for p in self.full.get(name, []) if p.level < TOWN or _TOWN_NAME.search(name)]
        return found + [p for p in self.short.get(name, []) if p not in found]

    def mentions(self, text: str, short_counties: bool = False) -> list[Mention]:
        """Place names in ``text``, longest first at each position, not overlapping.

        Short county names (天河, 平潭) are common words too often (合作, 通道), so they count only
        when asked for. A town right after its county is that county's (奉贤区柘林镇); one of several towns of
        the same name is left for ``resolve`` to settle.
        """
        found: list[Mention] = []
        position = 0
        while position < len(text):
            mention = self._mention_at(text, position, short_counties, found[-1] if found else None)
            if mention is None:
                position += 1
                continue
            found.append(mention)
            position = mention.end
        return found

    def _mention_at(self, text: str, start: int, short_counties: bool, previous: Mention | None) -> Mention | None:
        if text[start] not in self.starts:
            return None
        adjacent = previous is not None and previous.end == start
        for length in self.lengths:
            end = start + length
            name = text[start:end]
            if end > len(text) or (name not in self.full and name not in self.short):
                continue
            if adjacent and (towns := [c for p in previous.places for c in p.children.values() if c.name == name]):
                return Mention(start, end, towns)
            # A short county name is taken in a zone's name too (平潭综合实验区).
            places = [p for p in self.named(name) if short_counties or p.level < COUNTY or name == p.name]
            if not places and (short := self.short.get(name)) and _ZONE.match(text, end):
                places = short
            if places:
                return Mention(start, end, places)
        return None

    def resolve(self, text: str, context: str = "", short_counties: bool = False) -> Place | None:
        """The most specific place ``text`` names, ancestors agreeing with one another.

        An ambiguous name (普陀区: 上海市 or 舟山市) is settled by the other places in ``text``, then by
        those in ``context`` (the rest of the document).
        """
        mentions = self.mentions(text, short_counties)
        if not mentions:
            return None
        ambiguous = any(len(mention.places) > 1 for mention in mentions)  # 普陀区: 上海市 or 舟山市
        around = self.mentions(context) if context and ambiguous else []
        best: Place | None = None
        best_key = (-1, -1, -1)
        for index, mention in enumerate(mentions):
            others = [p for m in mentions if m is not mention for p in m.places]
            for place in mention.places:
                agree = sum(1 for other in others if place.within(other) or other.within(place))
                support = sum(1 for m in around for other in m.places if other is not place and place.within(other))
                if place.level == TOWN and len(mention.places) > 1 and not agree and not support:
                    continue  # one of many 城关镇 (or 柘林镇) and nothing says which
                key = (agree, support, len(place.chain()) * 100 + index)
                if key > best_key:
                    best, best_key = place, key
        return self._zone_after(text, mentions, best) if best is not None else None

    def _zone_after(self, text: str, mentions: list[Mention], place: Place) -> Place:
        """A zone named after ``place`` (达州 + 高新技术产业园区) stands in for it; else ``place``."""
        for index, mention in enumerate(mentions):
            if place not in mention.places or not (zone := _ZONE.match(text, mention.end)):
                continue
            named = text[mention.start : mention.end]
            short = place.aliases[0] if named == place.name and place.aliases else named
            name = f"{short}{zone.group(1)}{ZONE_WORDS[zone.group(2)]}"
            parent = place
            if ZONE_WORDS[zone.group(2)] in PROVINCE_RUN_ZONES:
                parent = place.chain()[0]
            elif place.level >= COUNTY:
                # A zone named after a county takes the county's place, under what the text names just before.
                before = mentions[index - 1] if index and mentions[index - 1].end == mention.start else None
                named_parent = next((p for p in before.places if place.within(p)), None) if before else None
                parent = named_parent or place.parent
            return Place(name, place.level if place.level >= COUNTY else place.level + 1, (name,), parent)
        return place


def is_national(organ: str) -> bool:
    """True for an organ of the central government (国务院办公厅, 国家医保局, 人力资源社会保障部)."""
    return bool(_NATIONAL_ORGAN.search(organ)) and not RELATIVE_LEVEL.match(organ) and not gazetteer().mentions(organ)


_TABLE = "china_location"  # jionlp/dictionary/china_location.{txt,zip}


def _jionlp_dictionary() -> Path:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the gazetteer needs the jionlp package: pip install jionlp")
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


def table_lines(folder: Path) -> Iterator[str]:
    """jionlp's division table from its dictionary ``folder``.

    A fresh install holds only ``china_location.zip`` (``import jionlp`` unzips it on first use, which a
    read-only site-packages refuses), so the table is read from the zip unless the text is already there.
    """
    text = folder / f"{_TABLE}.txt"
    if text.is_file():
        with text.open(encoding="utf-8") as handle:
            yield from handle
        return
    with zipfile.ZipFile(folder / f"{_TABLE}.zip") as archive, archive.open(f"{_TABLE}.txt") as member:
        yield from io.TextIOWrapper(member, encoding="utf-8")


@cache
def gazetteer() -> Gazetteer:
    """The gazetteer, read once (provinces, cities, counties and towns; villages are skipped)."""
    table = Gazetteer()
    current: list[Place] = []
    for line in table_lines(_jionlp_dictionary()):
        level = len(line) - len(line.lstrip("\t"))
        cells = line.strip().split("\t")
        if level > TOWN or not cells[0] or (level < TOWN and len(cells) != 3):
            continue
        aliases = tuple(cells[2].split("/")) if level < TOWN else ()
        parent = current[level - 1] if level else None
        place = Place(cells[0], level, aliases, parent)
        if parent is not None:
            parent.children[place.name] = place
        del current[level:]
        current.append(place)
        table.add(place)
    return table
