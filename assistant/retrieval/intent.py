"""What kind of answer a question wants: a unit (who), a deadline (when), a figure (number), or prose.

Who and when questions are answered by the 分工表 records' 牵头单位/责任单位/完成时限 fields,
so retrieval favours records for them and the answerer reads those fields.
"""

from __future__ import annotations

import re

WHO = "who"
WHEN = "when"
NUMBER = "number"
WHAT = "what"

# The kinds of figure a when or how-much question asks for (``assistant.answering.spans`` finds them).
AMOUNT = "amount"
SHARE = "share"
COUNT = "count"
AREA = "area"
DURATION = "duration"
FREQUENCY = "frequency"  # how often: 每季度, 按月, 每五年
AGE = "age"
DATE = "date"
CLOCK = "clock"  # a time of day: 9:00-17:00, 上午8时30分
PHONE = "phone"  # a telephone number or hotline: 0431-88905520, 12345
DOCUMENT_NUMBER = "document_number"  # a 文号: 国办发〔2018〕71号
MATERIALS = "materials"  # what an applicant hands in: 身份证原件, 《申请表》, 营业执照复印件
URL = "url"  # a web address: www.gov.cn, https://…
ADDRESS = "address"  # a street address: 天府路1号2号楼1109室
FIGURES = frozenset({AMOUNT, SHARE, COUNT, AREA, DURATION, FREQUENCY, AGE})

INTENT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        WHEN,
        re.compile(
            r"什么时候|什么时间|啥时候|何时|几时|哪天|哪一天|哪个月|几月|几号|时限|期限|截止|截至|最晚|多久|多长时间|"
            r"前完成|日前|底前|哪一年|时间节点|进度安排|几点"
        ),
    ),
    (
        WHO,
        re.compile(
            r"由谁|谁负责|谁来|谁管|归谁管|归谁|找谁|哪(?:个|些|几个|几家)(?:部门|单位|机构|局)|哪家|什么部门|什么单位|"
            r"牵头|责任单位|负责单位|主管|负责部门|谁牵头"
        ),
    ),
    (
        NUMBER,
        re.compile(
            r"多少|几个|几次|几项|几种|几名|几天|几年|几周|几岁|几成|比例|百分之|不低于|不少于|至少|上限|下限|多大"
        ),
    ),
)
# A question asking for a number to call (not about a hotline: 12345热线由谁负责 asks who): 电话是多少, 有没有联系
# 电话, 联系方式, 打什么电话, or a search-box query ending in the kind of number (威海 养老机构 投诉举报电话).
_ASKS_PHONE = re.compile(
    r"(?:电话|热线|专线|号码)(?:号码)?(?:是|为)?(?:多少|什么|哪个|几)|(?:有没有|有无|是否有|留了?)[^，。？?]{0,8}"
    r"(?:电话|热线|专线)|联系方式|怎么联系|如何联系|(?:打|拨打?)(?:什么|哪个|多少)|(?:什么|哪个|多少)(?:号码|电话)|"
    r"(?:电话|热线|专线|号码)\s*$"
)
_ASKS_DOCUMENT_NUMBER = re.compile(r"文号|字号|文件编号")
# What to hand in: 需要哪些材料, 要带什么证件, 提交什么, 准备哪些资料.
_ASKS_MATERIALS = re.compile(
    r"(?:材料|证件|资料|证明)(?!.{0,3}(?:交到|报到|报送|审核|核验))|(?:带|提交|提供|准备|携带|交)(?:些)?(?:什么|哪些|啥)"
)
_ASKS_URL = re.compile(r"网址|网站地址|网页地址|链接|域名")
_ASKS_ADDRESS = re.compile(r"(?<!网站)(?<!网页)地址|门牌")
# A time of day is asked by 几点 or by the hours of a service (办公时间, 接听时间).
_ASKS_CLOCK = re.compile(r"几点|(?:办公|上班|开放|营业|接听|服务)时间")


def detect_intent(question: str) -> str:
    """The first matching kind, WHEN before WHO before NUMBER; a question asking for a number to call or a 文号
    is a NUMBER one (its figure is that number).

    ``多长时间内`` is a when, not a number; ``哪几个部门`` a who, not a number.
    """
    for intent, pattern in INTENT_PATTERNS:
        if pattern.search(question):
            return intent
    return NUMBER if _asks_code(question) else WHAT


def _asks_code(text: str) -> bool:
    """Asks for a number that is no quantity: one to call, or a 文号."""
    return bool(_ASKS_PHONE.search(text) or _ASKS_DOCUMENT_NUMBER.search(text))


# A question about the document itself (its 文号, issuer, dates of issue) is answered by its apparatus.
_ABOUT_DOCUMENT = re.compile(r"文号|字号|发文|印发|发布|公布|成文|出台|落款|索引号|来源")


def asks_about_document(question: str) -> bool:
    return bool(_ABOUT_DOCUMENT.search(question))


# What each kind of figure is asked with: first by its unit (几个月, 多少钱, 百分之几), which settles the kind;
# else by the noun of what is measured (补贴, 比例, 期限). Money is asked by its noun as often as by 多少钱.
_ASKS_UNIT: tuple[tuple[str, re.Pattern[str]], ...] = (
    (AMOUNT, re.compile(r"多少钱|几块钱|多少元|几元|多少万")),
    # 采购金额的多少, 总量的多少: a part of a whole is a share, though the whole is money.
    (SHARE, re.compile(r"百分之|几成|百分比|多少%|几个百分点|[额量数]的多少")),
    (AGE, re.compile(r"几岁|多少岁|多大年龄|几周岁|多少周岁")),
    (AREA, re.compile(r"多少平方|几平方|多大面积|多少亩|几亩|多少公里|几公里")),
    # 多久 asks how long or how often (多久报一次); 几个工作日 only how long.
    (FREQUENCY, re.compile(r"多久|多长时间一次|一次(?!性)|每隔|频次|频率|周期")),  # 一次性 is once, not how often
    (
        DURATION,
        re.compile(
            r"多久|多长时间|几天|多少天|几个?工作日|多少个?工作日|几个月|多少个月|几年|多少年|几小时|多少小时|几周|"
            r"多少周|几个星期"
        ),
    ),
    (
        COUNT,
        re.compile(
            r"(?:多少|几)(?:个(?!月|工作日|小时|星期|季度|百分点)|项|台|张|名|人|家|件|批|所|套|户|次|种|类|级|条|处|座|辆|床)"
        ),
    ),
)
_ASKS_NOUN: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        AMOUNT,
        re.compile(
            r"金额|额度|费用|补贴|补助|奖励|奖补|资助|津贴|租金|工资|薪酬|扣除(?!期限)|缴费|缴纳|贷款|报销|罚款|"
            r"滞纳金|保障金|安家费|资金|奖金|钱|费"
        ),
    ),
    (SHARE, re.compile(r"比例|比重|占比|费率|权重|分值")),
    (AGE, re.compile(r"年龄|周岁|年纪")),
    (AREA, re.compile(r"面积|平方|公里")),
    (DURATION, re.compile(r"多长|期限|周期|时长|有效期")),
    (COUNT, re.compile(r"数量|名额|指标数|人数")),
    (PHONE, re.compile(r"电话|号码|热线|专线|联系方式")),
    (CLOCK, re.compile(r"几点|上班|下班|营业|办公时间")),
    (DOCUMENT_NUMBER, _ASKS_DOCUMENT_NUMBER),
    (MATERIALS, re.compile(r"材料|证件|资料|证明")),
    (URL, _ASKS_URL),
    (ADDRESS, _ASKS_ADDRESS),
)
_ASKS_DATE = re.compile(
    r"什么时候|何时|哪天|几月|几号|截止|截至|日期|哪一年|哪年|起止|时间节点|什么时间|施行|生效|实施时间|最晚|最早|"
    r"日前|底前|申请时间|有效期"
)
# How long until something happens (申请后多久能到账, 多长时间内办结) asks a limit from an event, answered by a date
# or by a span counted from the event (20个工作日内), not by how long a benefit lasts (补贴期限2年).
_ASKS_WAIT = re.compile(
    r"(?:后|以后|之后)[^，。？?]{0,6}(?:多久|多长时间)|(?:多久|多长时间)(?:能|可以|才能|才|会|就能|内|之内|以内)"
)
# A when question that names a calendar point (哪一年, 几月几号, 施行) is not answered by a span of days.
_ASKS_CALENDAR = re.compile(r"哪一年|哪年|几月|几号|哪天|日期|施行|生效|起止|到哪")


def named_kinds(text: str) -> frozenset[str]:
    """The kinds of figure ``text`` names by unit (几个月) or, failing that, by noun (补贴); empty if none."""
    units = frozenset(kind for kind, pattern in _ASKS_UNIT if pattern.search(text))
    return units or frozenset(kind for kind, pattern in _ASKS_NOUN if pattern.search(text))


# A search-box query (杭州 三孩补助 金额 申领时限) asks with nouns: a figure's (金额) or a time's (时限).
_ASKS_TIME_NOUN = re.compile(r"时限|期限|时间|日期|截止|有效期|时效")
_ASKS_FIGURE_NOUN = re.compile(r"金额|额度|标准|比例|数额|多少")


def keyword_intent(word: str) -> str | None:
    """The intent a word of a keyword query asks with (时限 → when, 金额 → number), if it asks at all."""
    if _ASKS_TIME_NOUN.search(word):
        return WHEN
    if _ASKS_FIGURE_NOUN.search(word) or _asks_code(word):
        return NUMBER
    return None


def asked_kinds(question: str, intent: str) -> frozenset[str]:
    """The kinds of figure a when or how-much question (of ``intent``) can be answered by; empty otherwise."""
    units = frozenset(kind for kind, pattern in _ASKS_UNIT if pattern.search(question))
    named = named_kinds(question)
    if intent == WHEN:
        if _ASKS_CLOCK.search(question):
            return frozenset({CLOCK})
        if _ASKS_CALENDAR.search(question):
            return frozenset({DATE})
        if _ASKS_WAIT.search(question):
            return frozenset({DATE, DURATION})
        if named & {DURATION, FREQUENCY} and not _ASKS_DATE.search(question):
            return named & {DURATION, FREQUENCY}
        return frozenset({DATE, DURATION})  # 什么时候完成 is answered by 12月底前 and by 20个工作日内 alike
    if intent == NUMBER:
        if _ASKS_PHONE.search(question):
            return frozenset({PHONE})
        if _ASKS_DOCUMENT_NUMBER.search(question):
            return frozenset({DOCUMENT_NUMBER})
        figures = named & FIGURES
        if AMOUNT in figures and figures & {SHARE, AGE, AREA} and not units:
            figures -= {AMOUNT}  # 补贴比例 asks a share; a noun of money only says what it is a share of
        return figures or FIGURES
    if intent == WHAT:
        asked = ((MATERIALS, _ASKS_MATERIALS), (URL, _ASKS_URL), (ADDRESS, _ASKS_ADDRESS))
        return frozenset(kind for kind, pattern in asked if pattern.search(question))
    return frozenset()
