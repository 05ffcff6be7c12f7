"""Typed spans and question parts on real sentences and questions of the dev corpus's kinds."""

from assistant.answering.extraction import extract, figure
from assistant.answering.parts import asking_clauses, question_parts
from assistant.answering.spans import find_spans
from assistant.documents import Passage
from assistant.retrieval.intent import (
    ADDRESS,
    AMOUNT,
    AREA,
    CLOCK,
    COUNT,
    DATE,
    DOCUMENT_NUMBER,
    DURATION,
    FREQUENCY,
    MATERIALS,
    NUMBER,
    PHONE,
    SHARE,
    URL,
    WHAT,
    WHEN,
    WHO,
    asked_kinds,
    detect_intent,
)

# 广州市天河区_2023_深化支持港澳青年创新创业高质量发展实施办法, 第八条 and 第十三条
INTERNSHIP = "基地入驻企业实习的高校在读港澳青年，给予每人每月3000元实习补贴，补贴期限不超过6个月。"
IN_FORCE = "本办法自2023年9月8日起施行，有效期3年。"
# 山东省威海市_2020_居民养老服务保障条例, 第十四条
HOUSING = "城镇新建生活区应当按照每百户不少于二十平方米的标准配套建设社区居家养老服务用房。"
# 广州市_2025_高校毕业生创业补贴
PRIZES = "补贴标准：一等奖20万元，二等奖15万元，三等奖10万元，优胜奖5万元。"


def kinds_of(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in find_spans(text)]


def test_spans_keep_their_kind_qualifiers_and_units() -> None:
    assert kinds_of(INTERNSHIP) == [(AMOUNT, "每人每月3000元"), (DURATION, "不超过6个月")]
    assert kinds_of(IN_FORCE) == [(DATE, "2023年9月8日起"), (DURATION, "3年")]
    assert kinds_of(HOUSING) == [(AREA, "每百户不少于二十平方米")]
    assert kinds_of("港澳青年实际权益持股比例达25%以上") == [(SHARE, "达25%以上")]
    assert (COUNT, "最多不超过10个") in kinds_of("每年获支持企业数量最多不超过10个")
    # A fraction in words is a share, as the 物业 and 议事 rules of regulations write their quorums.
    assert kinds_of("经参与表决专有部分面积四分之三以上的业主同意") == [(SHARE, "四分之三以上")]
    # 上海市奉贤区柘林镇_2023_文物保护管理办法: how often is not how long
    assert (FREQUENCY, "每五年") in kinds_of("镇文物行政管理部门应当每五年对镇级文物保护单位和文物保护点进行评估")
    assert (DATE, "2025年10月10日9时至2025年11月10日17时") in kinds_of(
        "申报时间为2025年10月10日9时至2025年11月10日17时"
    )


def test_an_ordinal_is_no_count_or_duration() -> None:
    # 第十五条 names an article, 第二批 a batch, 第3年 a year of a term: which one, not how many or how long
    assert kinds_of("第十五条 新建、改建、扩建住宅小区应当符合国家无障碍设施工程建设标准") == []
    assert kinds_of("第二批试点共确定12个城市") == [(COUNT, "12个")]
    assert kinds_of("补贴第3年按50%发放，共发放3年") == [(SHARE, "50%"), (DURATION, "3年")]
    assert kinds_of("第十四条 城镇新建生活区应当按照每百户不少于二十平方米的标准") == [(AREA, "每百户不少于二十平方米")]


def test_the_question_says_which_kind_it_asks() -> None:
    assert asked_kinds("实习补贴每个月给多少钱？", NUMBER) == {AMOUNT}
    assert asked_kinds("持股比例要达到多少？", NUMBER) == {SHARE}
    assert asked_kinds("这个办法有效期到哪一年？", WHEN) == {DATE}
    assert asked_kinds("审核要多长时间？", WHEN) == {DURATION}
    assert asked_kinds("什么时候完成？", WHEN) == {DATE, DURATION}
    assert asked_kinds("多久评估一次？", WHEN) == {DURATION, FREQUENCY}
    assert asked_kinds("多少个工作日内答复？", NUMBER) == {DURATION}  # 每月 is no number of days
    assert asked_kinds("谁负责？", WHO) == frozenset()


def _shared(question: str):
    return lambda text: len(set(question) & set(text)) / len(set(question))


def test_the_figure_is_the_one_whose_clause_matches() -> None:
    # The amount and the period stand in one sentence: each question gets its own clause.
    months = figure(INTERNSHIP, frozenset({DURATION}), _shared("实习补贴最长补贴期限几个月"))
    assert months is not None and months.text == "补贴期限不超过6个月"
    amount = figure(INTERNSHIP, frozenset({AMOUNT}), _shared("实习补贴每月多少钱"))
    assert amount is not None and "3000元" in amount.text
    second = figure(PRIZES, frozenset({AMOUNT}), _shared("二等奖"))
    assert second is not None and second.text == "二等奖15万元"


def test_a_span_of_another_kind_is_no_answer() -> None:
    # The date of entry into force says nothing of a share or an age.
    assert figure(IN_FORCE, frozenset({SHARE}), _shared("比例")) is None
    assert figure(HOUSING, frozenset({AMOUNT}), _shared("养老服务用房补贴多少钱")) is None


def test_a_question_of_several_parts_is_split() -> None:
    parts = question_parts("在平潭的养老机构上班，本科学历能拿多少入职奖补？专科呢？")
    assert [(p.intent, p.own) for p in parts] == [(NUMBER, "本科学历能拿多少入职奖补"), (NUMBER, "专科")]
    assert all(p.kinds == {AMOUNT} for p in parts)
    assert [p.own for p in question_parts("购房补贴和安居补贴最高各多少？")] == ["购房补贴", "安居补贴最高"]
    assert [p.intent for p in question_parts("这项工作谁负责、什么时候完成？")] == [WHO, WHEN]
    parts = question_parts("房租补贴一年能补多少？最多能补几年？")
    assert [p.kinds for p in parts] == [{AMOUNT}, {DURATION}]
    assert len(question_parts("政务新媒体由谁负责")) == 1


def test_the_clauses_that_ask_are_told_from_the_context() -> None:
    # The judge weighs whether the cited passage holds what the asking clause names (到账), not only the context.
    question = "广东省一次性求职补贴提交申请以后，一般多久能发到个人账户上？"
    assert asking_clauses(question) == ["一般多久能发到个人账户上"]
    assert asking_clauses("谁负责、什么时候完成？") == ["谁负责、什么时候完成"]
    assert asking_clauses("在平潭的养老机构上班。") == []


def test_a_keyword_query_asks_one_thing_per_asking_noun() -> None:
    parts = question_parts("杭州 三孩补助 金额 申领时限")
    assert [(p.intent, p.own) for p in parts] == [(NUMBER, "金额"), (WHEN, "申领时限")]
    assert parts[0].kinds == {AMOUNT}
    (single,) = question_parts("广州 高校毕业生 一次性创业资助 金额")
    assert single.intent == NUMBER and single.kinds == {AMOUNT}
    assert question_parts("大庆 育儿补贴 申请材料")[0].intent == WHAT  # asks with no noun of a figure or time


def test_once_off_is_not_how_often() -> None:
    (part,) = question_parts("分别给予多少一次性配套建设支持？")
    assert part.kinds != {FREQUENCY}  # it was read as how often; any figure may answer it
    assert question_parts("多久报送一次？")[0].kinds >= {FREQUENCY}


def test_phone_numbers_and_hotlines_are_spans_and_other_digit_runs_are_not() -> None:
    """As the dev corpus writes them (广州市天河区_2025_人才公寓申请公告, 广州市_2023_推进家庭医生签约服务…)."""
    assert kinds_of("咨询电话：020-38200174、020-38623769。") == [(PHONE, "020-38200174"), (PHONE, "020-38623769")]
    assert kinds_of("联系人：孙映吟，联系电话：81085234") == [(PHONE, "81085234")]
    assert kinds_of("依托“12320”开通广州市家庭医生服务专线") == [(PHONE, "12320")]
    assert kinds_of("拨打12345政务服务便民热线") == [(PHONE, "12345")]
    assert kinds_of("电话（0755）83456789转123，手机13912345678") == [
        (PHONE, "（0755）83456789转123"),
        (PHONE, "13912345678"),
    ]
    # amounts, counts, durations, 文号, URLs, dates written without separators and a malformed number stay
    # what they are
    assert kinds_of("补贴8000000元") == [(AMOUNT, "8000000元")]
    assert kinds_of("建成100个社区服务热线") == [(COUNT, "100个")]
    assert kinds_of("于120日内办结") == [(DURATION, "120日内")]
    assert not kinds_of("〔2023〕12345号") and not kinds_of("t20201230_79772.htm")
    assert not [kind for kind, _ in kinds_of("达州市人民政府办公室  2022526") if kind == PHONE]
    assert not kinds_of("咨询电话：020-308622165。")


def test_times_of_day_are_spans_and_page_time_stamps_are_not() -> None:
    assert kinds_of("办公时间：上午9:00-12:00，下午14:00-17:30") == [
        (CLOCK, "上午9:00-12:00"),
        (CLOCK, "下午14:00-17:30"),
    ]
    assert kinds_of("工作日8时30分至17时受理") == [(CLOCK, "8时30分至17时")]
    assert kinds_of("2024年3月1日9时起施行") == [(DATE, "2024年3月1日9时起")]  # a date with its hour stays a date
    assert not kinds_of("发布时间：2022-06-02 16:05:45 来源：达州市人民政府")
    assert kinds_of("实行7×24小时服务") == [(DURATION, "24小时")]


def test_questions_asking_for_a_number_to_call_or_a_time_of_day() -> None:
    for question in ("普陀区育儿补贴咨询电话是多少？", "有没有联系电话？", "广州市家庭医生服务专线依托哪个号码开通？"):
        assert detect_intent(question) == NUMBER and asked_kinds(question, NUMBER) == {PHONE}, question
    assert asked_kinds("威海 养老机构 投诉举报电话", detect_intent("威海 养老机构 投诉举报电话")) == {PHONE}
    # about a hotline, not asking its number
    assert detect_intent("12345热线由谁负责？") == WHO
    assert detect_intent("政策咨询电话 在哪里公布") == WHAT
    for question in ("政务服务中心几点开门？", "12320专线几点到几点有人接？", "窗口的办公时间是什么时候？"):
        assert detect_intent(question) == WHEN and asked_kinds(question, WHEN) == {CLOCK}, question
    (part,) = question_parts("广州 家庭医生 服务专线 电话")  # two nouns asking one number are one part
    assert part.kinds == {PHONE}


def test_a_span_of_days_answers_when_only_as_a_limit_from_an_event() -> None:
    """什么时候 is answered by 期满前3个月 or 20个工作日内, never by how long a benefit lasts."""

    def overlap(text: str) -> float:
        return float("续租" in text or "期限" in text)

    when = asked_kinds("应在什么时候提出续租申请？", WHEN)
    lease = "租赁期限不超过3年；合同期满前3个月提出续租申请。"
    assert figure(lease, when, overlap).text == "合同期满前3个月提出续租申请"
    housing = "住房补贴每人每月1500元，补贴期限最长为2年。"
    assert figure(housing, when, overlap) is None
    assert figure(housing, asked_kinds("补贴期限最长多久？", WHEN), overlap).text == "补贴期限最长为2年"


def test_a_document_number_is_a_span_and_is_asked_for() -> None:
    notice = "国务院办公厅关于印发政府网站集约化试点工作方案的通知（国办函〔2018〕71号）"
    assert (DOCUMENT_NUMBER, "国办函〔2018〕71号") in kinds_of(notice)
    assert detect_intent("这个文件的文号是多少？") == NUMBER
    assert asked_kinds("这个文件的文号是多少？", NUMBER) == {DOCUMENT_NUMBER}
    parts = question_parts("《育儿补贴制度实施方案》是哪天印发的，文号是什么？")
    assert [part.kinds for part in parts] == [{DATE}, {DOCUMENT_NUMBER}]


def test_a_question_for_materials_is_answered_only_by_a_sentence_that_names_one() -> None:
    """广州市天河区_2025_人才公寓申请公告 lists forms and copies; a 补贴条件 line names none."""
    assert asked_kinds("需要提交哪些申请材料？", WHAT) == {MATERIALS}
    assert asked_kinds("杭州 孕产补助 申请材料", WHAT) == {MATERIALS}
    assert asked_kinds("材料交到居委会后多久报到街道？", WHEN) != {MATERIALS}
    listed = "1.《天河区人才公寓申请表（港澳台青年）》（附件4）；2.身份证复印件。"
    assert [(kind, text) for kind, text in kinds_of(listed) if kind == MATERIALS] == [
        (MATERIALS, "《天河区人才公寓申请表（港澳台青年）》"),
        (MATERIALS, "身份证"),
        (MATERIALS, "复印件"),
    ]
    conditions = Passage("p", "d", "补贴条件：在本市登记注册满6个月，正常经营。", ["一次性创业资助"], 0, 20)
    assert extract(conditions, WHAT, lambda text: 1.0, kinds=frozenset({MATERIALS})) is None
    forms = Passage("p", "d", f"申请材料：{listed}", ["申请材料"], 0, 60)
    assert "申请表" in extract(forms, WHAT, lambda text: 1.0, kinds=frozenset({MATERIALS})).text


def test_web_and_street_addresses_are_spans_a_question_can_ask_for() -> None:
    """广州市天河区_2025_人才公寓申请公告 gives an office and a phone; a portal is written with its address."""
    office = "天河区科工信局信息技术发展科，天河区天府路1号区机关大院2号楼1109-2室，咨询电话：020-38200174"
    assert [kind for kind, _ in kinds_of(office)] == [ADDRESS, PHONE]
    assert kinds_of("登录广州市人民政府门户网站（www.gz.gov.cn）查询") == [(URL, "www.gz.gov.cn")]
    assert asked_kinds("广元市政府门户网站 网址", WHAT) == {URL}
    assert asked_kinds("高县政府办公室的办公地址在哪里？", WHAT) == {ADDRESS}
    assert asked_kinds("政府网站地址是什么", WHAT) == {URL}
    prose = Passage("p", "d", "申领人可到乡镇政府（街道办事处）政务服务大厅线下申请。", [], 0, 30)
    assert extract(prose, WHAT, lambda text: 1.0, kinds=frozenset({ADDRESS})) is None


def test_a_label_whose_content_is_on_the_next_lines_is_never_the_answer() -> None:
    """A subsidy policy's heading lines (``补贴条件：``) name what follows; the line after states it."""
    text = "补贴条件：\n（1）初创企业的法定代表人女性不超过55周岁、男性不超过60周岁。"
    labelled = Passage("p", "d", text, ["一次性创业资助"], 0, len(text))
    overlap = lambda text: 1.0 if "条件" in text else 0.5  # noqa: E731 - the label shares most with the question
    assert "55周岁" in extract(labelled, WHAT, overlap).text
    only_label = Passage("p", "d", "补贴条件：", ["一次性创业资助"], 0, 5)
    assert extract(only_label, WHAT, overlap) is None
