"""Typed figures in policy text: amounts, shares, counts, areas, durations, ages and dates, each a span.

A when or how-much question is answered by a span of the kind it asks (an amount for 多少钱, a date
for 什么时候), never by a figure of another kind standing nearby. Spans keep their qualifiers
(最高、不超过、每人每月…) and units, and are exact substrings, so they can be quoted and cited as written.

Measured against the registry libraries on the 95 figures of the dev tune half's key facts, in their
103 dev-corpus sentences (the span must overlap the fact and carry its kind; "whole": it covers the fact):

| kind (n) | these rules | jionlp 1.5.31 ``ner.extract_money`` / ``ner.extract_time`` |
|---|---|---|
| amount (44) | 44, whole 42 | 44, whole 31 (drops 最高/每人每月, cuts ``32.5元/平方米/月``) |
| date (13) | 13, whole 12 | 13, whole 12 |
| duration (28) | 28, whole 14 | 21, whole 3 (``180日内`` is tagged a time span, i.e. a date) |
| share (10) | 10, whole 9 | no extractor |

Latency per sentence: 0.9 ms here, 0.9 ms money and 13.7 ms time in jionlp, whose import alone takes 4 s
and unpacks its data into site-packages. cn2an 0.5.24 converts numerals (``五十万元`` → ``500000元``) but
finds no spans and rewrites the text, so a cited span could no longer be found in the passage. Hence
our own rules, Chinese numerals included; the rules were written with these sentences in view, so the
table measures the libraries more fairly than it measures us.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents import DOC_NUMBER
from assistant.retrieval.intent import (
    ADDRESS,
    AGE,
    AMOUNT,
    AREA,
    CLOCK,
    COUNT,
    DATE,
    DOCUMENT_NUMBER,
    DURATION,
    FREQUENCY,
    MATERIALS,
    PHONE,
    SHARE,
    URL,
)

_CN = "零〇一二两三四五六七八九十百千"
_NUMBER = rf"(?:\d+(?:[.,]\d+)*|[{_CN}]+)(?:[万亿]|千万)?"
_RANGE = rf"{_NUMBER}(?:\s*(?:[-—~～至到]|－)\s*{_NUMBER})?"
# Words that bound or rate a figure: they belong to the answer (最高5万元 is not 5万元).
_BOUND = (
    r"(?:最高(?:不超过)?|最多(?:不超过)?|最低|最长(?:不超过)?|最短|不超过|不高于|不低于|不少于|不足|不满|超过|高于|低于|达到|达|"
    r"至少|约|累计(?:不超过)?|上限为?)?"
)
_RATE = r"(?:(?:每(?:人|户|孩|名|家|个|年|月|季度|天|日|次|平方米|百户|张))+|按每[^\d，。；]{1,6})?"
_PER = r"(?:\s*/\s*(?:人|户|孩|月|年|次|天|平方米|㎡|张|床)(?:\s*/\s*(?:月|年|天))?|每(?:人|户|月|年))?"
_LEAD = rf"(?:{_BOUND}{_RATE}|{_RATE}{_BOUND})"
_TAIL = r"(?:以上|以下|以内|左右|内|起)?"

# A number to call: a landline with or without its area code (0431-88905520, 88905520), a mobile, a 400 line,
# or a short hotline where it is called one (拨打12345, 12320服务专线; 123xx numbers are reserved for government
# hotlines, so 12333人社服务热线 is one). Never a run of digits inside a URL, a 文号 or an amount (8000000元).
_NOT_AFTER = r"(?<![\d_A-Za-z/.=〔\[(（-])"
_NOT_BEFORE = r"(?![\d_A-Za-z/.%％]|\s*(?:元|万|亿|人|个|户|名|家|件|项|次|平方|亩|米|年|月|日|号))"
_HOTLINE_WORD = r"(?:[”」\"]?[\u4e00-\u9fff]{0,12}(?:热线|专线)|电话|服务平台)"
_EXTENSION = r"(?:\s*(?:转|[-－])\s*\d{1,5})?"
_PHONE = re.compile(
    rf"{_NOT_AFTER}(?:(?:0\d{{2,3}}\s*[-－—]\s*|[(（]0\d{{2,3}}[)）]\s*)[2-9]\d{{6,7}}{_EXTENSION}"
    rf"|1[3-9]\d{{9}}|400\s*[-－]?\s*\d{{3}}\s*[-－]?\s*\d{{4}}){_NOT_BEFORE}"
    rf"|(?<=[电话热线专线号码手机座机传真][：:])\s*[2-9]\d{{6,7}}{_EXTENSION}{_NOT_BEFORE}"  # local, where named
    rf"|(?<=拨打)\d{{3,5}}(?![\d-])|(?<=[电话热线专线][：:])\d{{3,5}}(?![\d-])"
    rf"|{_NOT_AFTER}(?:1\d{{2,4}}{_NOT_BEFORE}|123\d{{2}}(?!\d))(?=\s*{_HOTLINE_WORD})"
)
# A time of day: 9:00, 17：30-18：00, 上午8时30分, 下午5点半, 8时至12时.
_DAYPART = r"(?:上午|下午|中午|晚上|早上|凌晨|夜间)"
_HOUR = rf"(?:{_DAYPART}\s*)?(?:[01]?\d|2[0-4])\s*(?:[:：]\s*[0-5]\d|[时点](?:\s*[0-5]?\d\s*分|半|整)?)"
# A page's time stamp (2022-06-02 16:05:45) says when it was posted, not when anything opens: never a clock.
_CLOCK = re.compile(
    rf"(?:{_DAYPART}\s*)?(?<![\d:：])(?<!\d\s)(?:[01]?\d|2[0-4])\s*[:：]\s*[0-5]\d(?!\s*[:：]\s*\d)"
    rf"(?:\s*[-—~～至到]\s*{_HOUR})?"
    rf"|{_DAYPART}\s*(?:[01]?\d|2[0-4])\s*[时点](?:\s*[0-5]?\d\s*分|半|整)?(?:\s*[-—~～至到]\s*{_HOUR})?"
    rf"|(?:[01]?\d|2[0-4])\s*[时点](?:\s*[0-5]?\d\s*分)?\s*[-—~～至到]\s*{_HOUR}"
)

# What an applicant hands in, as procedures name it: an ID, a certificate, a form, a copy or an original.
_MATERIAL = re.compile(
    r"《[^《》]{2,40}(?:表|书|证|单|手册|证明)(?:（[^（）]{1,10}）)?》|身份证|户口簿|户口本|居住证|营业执照|执照|通行证|护照|结婚证|"
    r"出生医学证明|证明材料|证明|证件|证书|复印件|原件|申请表|登记表|申报表|审批表|信息表|承诺书|申请书|委托书|"
    r"手册|合同|协议书|照片|凭证|发票|票据|银行卡|社会保障卡|社保卡|存折|材料|资料"
)

_URL = re.compile(
    r"https?://[\w./?=&%#:~+-]+|www\.[\w./?=&%#~+-]+|[\w-]+(?:\.[\w-]+)*\.(?:gov|com|org|net|edu)\.cn(?:/[\w./?=&%#~+-]*)?"
)
# A street address down to the number (天府路1号), with the building and room when given (2号楼1109-2室).
_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{2,20}?(?:路|街|大道|巷|大街)\d+(?:-\d+)?号(?:[\u4e00-\u9fff\d-]{0,20}?(?:楼|层|室|座|栋|厅))?"
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (URL, _URL),
    (ADDRESS, _ADDRESS),
    (DOCUMENT_NUMBER, DOC_NUMBER),
    (PHONE, _PHONE),
    (
        DATE,
        re.compile(
            r"(?:(?:19|20)\d{2}|[二〇一九零]{4})\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
            r"(?:\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日)?(?:\s*\d{1,2}\s*[时点](?:\d{1,2}分)?)?"
            r"(?:\s*[-—~～至到]\s*(?:(?:19|20)\d{2}\s*年\s*)?(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日(?:\s*\d{1,2}\s*[时点])?)?"
            r"(?:[初中下]旬|上旬|底|末|份)?(?:前|起|以前|之前|止)?"
            r"|(?:(?:19|20)\d{2}\s*年\s*)?(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*日"
            r"(?:\s*[-—~～至到]\s*(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日)?(?:前|起|以前|之前|止)?"
            r"|(?:19|20)\d{2}\s*年\s*(?:底|末|初|年底|上半年|下半年|内)(?:前)?"
            r"|(?:19|20)\d{2}\s*年(?:\s*[-—~～至到]\s*(?:19|20)\d{2}\s*年)?(?=起|前|以前|之前|开始|实施|施行|完成|[，。；）)]|$)"
            r"|(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月(?:底|末|份)?(?:前|以前|之前)?"
            r"|年底前|年内|上半年|下半年|\d{1,2}月(?:底|份)前?"
        ),
    ),
    (CLOCK, _CLOCK),
    (
        SHARE,
        re.compile(
            rf"{_LEAD}(?:百分之[{_CN}\d.]+|[{_CN}\d]{{1,3}}分之[{_CN}\d]{{1,3}}|{_NUMBER}\s*(?:[%％‰](?:\s*[-—~～至到]\s*{_NUMBER}\s*[%％‰])?|个百分点|成))"
            rf"{_TAIL}"
        ),
    ),
    (AMOUNT, re.compile(rf"{_LEAD}{_RANGE}\s*(?:多)?(?:元|块钱?){_PER}{_TAIL}")),
    (AGE, re.compile(rf"{_BOUND}{_RANGE}\s*(?:周岁|岁)(?:半)?{_TAIL}")),
    (AREA, re.compile(rf"{_LEAD}{_RANGE}\s*(?:平方公里|平方米|平米|㎡|公顷|亩|公里|千米|米){_TAIL}")),
    (
        FREQUENCY,
        re.compile(
            r"每(?:[两三四五六七八九十\d]+)?(?:年|季度|半年|个?月|周|天|日)(?!\d)|按(?:年度|季度|半年|月|年|周)"
        ),
    ),
    (
        DURATION,
        re.compile(
            rf"{_LEAD}{_RANGE}\s*(?:个(?:工作日|自然日|月|季度|小时|星期)|工作日|自然日|小时|分钟|天|日|周|星期|年|月)"
            rf"(?:半)?{_TAIL}(?:前|后)?"
        ),
    ),
    (
        COUNT,
        re.compile(
            rf"{_LEAD}{_RANGE}\s*(?:[个项台张名人家件批类级次所套户间本份条处座辆栋种]|万个|万人|万户|万套|万名|倍)"
            rf"(?:床位)?{_TAIL}"
        ),
    ),
    (MATERIALS, _MATERIAL),
)
# A year standing alone (2025年) is a date, not a duration of 2025 years.
_YEARLIKE = re.compile(r"^(?:19|20)\d{2}\s*年")
# 第 makes a number an ordinal (第十五条, 第二批, 第3年): which one, not how many or how long.
_ORDINAL = "第"
_ORDINAL_KINDS = frozenset({COUNT, DURATION})


_QUALIFIER = re.compile(_BOUND)


def is_qualifier(word: str) -> bool:
    """最长, 不超过, 至少: a bound any figure may carry, which tells no figure from another."""
    return bool(word) and _QUALIFIER.fullmatch(word) is not None


@dataclass(frozen=True)
class Span:
    """One typed figure: its kind (an intent kind constant), its text and where it stands in the text."""

    kind: str
    text: str
    start: int
    end: int


def find_spans(text: str) -> list[Span]:
    """Every typed figure in ``text``, in text order; where two overlap the earlier-listed kind wins."""
    taken: list[Span] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0).strip()
            if not value or not (re.search(rf"[\d{_CN}]", value) or kind in (FREQUENCY, MATERIALS, URL)):
                continue
            if kind == DURATION and _YEARLIKE.match(value):
                continue
            start = match.start() + match.group(0).find(value)
            if kind in _ORDINAL_KINDS and text[start - 1 : start] == _ORDINAL:
                continue
            span = Span(kind, value, start, start + len(value))
            if not any(span.start < other.end and other.start < span.end for other in taken):
                taken.append(span)
    return sorted(taken, key=lambda span: span.start)
