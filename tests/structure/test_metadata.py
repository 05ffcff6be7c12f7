"""Metadata read from every development document and the five bundled ones, against a table written by
reading each document (not by running the extractor)."""

from functools import cache
from pathlib import Path

import pytest

from assistant.documents import BODY, FILE_NAME, HEADER, MANIFEST, DocumentMeta
from assistant.loading import load_file
from assistant.repair import repair
from assistant.structure.metadata import extract_metadata, merge_metadata
from tests.paths import CORPUS, ROOT

DEV = ROOT / "eval" / "corpora" / "dev" / "docs"

FIELDS = ("title", "issuer", "region", "year", "doc_number", "genre")

# file stem → (title, issuers separated by spaces, region, year, 文号, genre). "" where the document does
# not say (江西's and 普陀's pages name no issuer; most web pages and laws carry no 文号). Notes:
# - LawRefBook laws: year of the last 通过/批准 in the history lines (北京 2011, 郑州 2021), not the
#   file name's year, which is the source's publication date.
# - 鄂尔多斯, 13问, 创业补贴: the issuer is written by level only (市卫生健康委员会); the city is named.
# - 普陀: a 问答 about a benefit, whose title names no genre → qa.
EXPECTED: dict[str, tuple[str, str, str, int, str, str]] = {
    "上海市奉贤区柘林镇_2023_文物保护管理办法": (
        "柘林镇文物保护管理办法",
        "奉贤区柘林镇人民政府",
        "上海市奉贤区柘林镇",
        2023,
        "奉柘府〔2023〕22号",
        "regulation",
    ),
    "上海市普陀区_2025_育儿补贴申领指南": (
        "育儿补贴可以申领啦！（附普陀区育儿补贴申领各单位咨询电话）",
        "",
        "上海市普陀区",
        2025,
        "",
        "qa",
    ),
    "上海市松江区_2025_城市更新年度实施计划": (
        "松江区城市更新2025年度实施计划",
        "上海市松江区人民政府办公室",
        "上海市松江区",
        2025,
        "沪松府办〔2025〕31号",
        "work_plan",
    ),
    "上海市长宁区_2021_区筹公共租赁住房管理办法": (
        "长宁区区筹公共租赁住房管理办法",
        "上海市长宁区住房保障和房屋管理局",
        "上海市长宁区",
        2021,
        "长房管规〔2021〕1号",
        "regulation",
    ),
    "上海市静安区_2026_打造出海服务平台专项资金申报指南": (
        "2026年静安区打造出海服务平台专项资金申报指南（第一批）",
        "上海市静安区发展和改革委员会",
        "上海市静安区",
        2026,
        "",
        "benefit",
    ),
    "内蒙古自治区鄂尔多斯市_2024_二孩三孩家庭育儿补贴及托育机构补贴实施细则": (
        "鄂尔多斯市二孩、三孩家庭育儿补贴及托育机构建设和运营补贴实施细则（试行）",
        "鄂尔多斯市卫生健康委员会",
        "内蒙古自治区鄂尔多斯市",
        2024,
        "鄂卫健发〔2024〕43号",
        "benefit",
    ),
    "北京市_2019_实施残疾人保障法办法": (
        "北京市实施《中华人民共和国残疾人保障法》办法",
        "北京市人民代表大会常务委员会",
        "北京市",
        2011,
        "",
        "regulation",
    ),
    "吉林省_2025_育儿补贴制度实施方案政策解读": (
        "育儿补贴制度实施方案政策解读",
        "吉林省卫生健康委员会",
        "吉林省",
        2025,
        "",
        "qa",
    ),
    "国务院_2018_个人所得税专项附加扣除暂行办法": (
        "个人所得税专项附加扣除暂行办法",
        "国务院",
        "全国",
        2018,
        "国发〔2018〕41号",
        "regulation",
    ),
    "国务院_2018_关于做好当前和今后一个时期促进就业工作的若干意见": (
        "国务院关于做好当前和今后一个时期促进就业工作的若干意见",
        "国务院",
        "全国",
        2018,
        "国发〔2018〕39号",
        "work_plan",
    ),
    "国务院_2024_政府工作报告": ("政府工作报告", "国务院", "全国", 2024, "", "report"),
    "国务院办公厅_2018_政府网站集约化试点工作方案": (
        "政府网站集约化试点工作方案",
        "国务院办公厅",
        "全国",
        2018,
        "国办函〔2018〕71号",
        "work_plan",
    ),
    "国务院办公厅_2018_无废城市建设试点工作方案": (
        "“无废城市”建设试点工作方案",
        "国务院办公厅",
        "全国",
        2018,
        "国办发〔2018〕128号",
        "work_plan",
    ),
    "国务院办公厅_2019_国家组织药品集中采购和使用试点方案": (
        "国家组织药品集中采购和使用试点方案",
        "国务院办公厅",
        "全国",
        2019,
        "国办发〔2019〕2号",
        "work_plan",
    ),
    "山东省威海市_2020_居民养老服务保障条例": (
        "威海市居民养老服务保障条例",
        "威海市人民代表大会常务委员会",
        "山东省威海市",
        2020,
        "",
        "regulation",
    ),
    "广东省_2026_高校毕业生就业创业扶持政策清单": (
        "广东省高校毕业生就业创业扶持政策清单",
        "广东省人力资源和社会保障厅",
        "广东省",
        2026,
        "",
        "benefit",
    ),
    "广州市_2021_临时救助实施细则": (
        "广州市临时救助实施细则",
        "广州市人民政府办公厅",
        "广东省广州市",
        2021,
        "穗府办规〔2021〕19号",
        "regulation",
    ),
    "广州市_2022_引进人才入户管理办法实施细则": (
        "广州市引进人才入户管理办法实施细则",
        "广州市人力资源和社会保障局 广州市公安局",
        "广东省广州市",
        2022,
        "穗人社规字〔2022〕2号",
        "regulation",
    ),
    "广州市_2023_推进家庭医生签约服务高质量发展实施方案": (
        "推进广州市家庭医生签约服务高质量发展实施方案",
        "广州市卫生健康委员会 广州市财政局 广州市人力资源和社会保障局 广州市医疗保障局",
        "广东省广州市",
        2023,
        "穗卫函〔2023〕1930号",
        "work_plan",
    ),
    "广州市_2024_进一步加强户籍家庭住房保障工作的通知": (
        "广州市住房和城乡建设局关于进一步加强户籍家庭住房保障工作的通知",
        "广州市住房和城乡建设局",
        "广东省广州市",
        2024,
        "穗建规字〔2024〕5号",
        "notice",
    ),
    "广州市_2025_城乡居民医保集中参保缴费通告": (
        "广州市医疗保险服务中心关于开展2026年度广州市城乡居民基本医疗保险集中参保缴费工作的通告",
        "广州市医疗保险服务中心",
        "广东省广州市",
        2025,
        "",
        "notice",
    ),
    "广州市_2025_积分制入户工作热点13问": (
        "2025年度积分制入户工作热点13问",
        "广州市人力资源社会保障局 广州市人力资源市场服务中心",
        "广东省广州市",
        2025,
        "",
        "qa",
    ),
    "广州市_2025_高校毕业生创业补贴": (
        "广州市高校毕业生创业补贴，请查收",
        "广州市人力资源社会保障局",
        "广东省广州市",
        2025,
        "",
        "benefit",
    ),
    "广州市天河区_2023_深化支持港澳青年创新创业高质量发展实施办法": (
        "广州市天河区深化支持港澳青年创新创业高质量发展实施办法",
        "广州市天河区科技工业和信息化局 广州市天河区人力资源和社会保障局 中共广州市天河区委统战部",
        "广东省广州市天河区",
        2023,
        "穗天科工信规字〔2023〕1号",
        "regulation",
    ),
    "广州市天河区_2025_人才公寓申请公告": (
        "关于受理天河区人才公寓申请的公告",
        "广州市天河区住房建设和园林局",
        "广东省广州市天河区",
        2025,
        "",
        "notice",
    ),
    "广西壮族自治区_2026_育儿补贴申领一件事工作实施方案": (
        "广西壮族自治区育儿补贴申领“一件事”工作实施方案",
        "广西壮族自治区卫生健康委员会 广西壮族自治区公安厅 广西壮族自治区民政厅 广西壮族自治区大数据发展局",
        "广西壮族自治区",
        2026,
        "桂卫人口发〔2026〕2号",
        "work_plan",
    ),
    "江西省_2026_育儿补贴申领一件事实施方案": (
        "江西省“育儿补贴申领一件事”实施方案",
        "",
        "江西省",
        2026,
        "",
        "work_plan",
    ),
    "河南省郑州市_2022_企业职工基本养老保险条例": (
        "郑州市企业职工基本养老保险条例",
        "郑州市人民代表大会常务委员会",
        "河南省郑州市",
        2021,
        "",
        "regulation",
    ),
    "浙江省杭州市_2025_生育补助实施方案": (
        "杭州市生育补助实施方案",
        "杭州市卫生健康委员会 杭州市财政局",
        "浙江省杭州市",
        2025,
        "杭卫发〔2025〕107号",
        "benefit",
    ),
    "湖北省荆门市_2025_建设生育友好型城市若干措施": (
        "关于加快完善生育支持政策体系推动建设生育友好型城市的若干措施",
        "荆门市人民政府办公室",
        "湖北省荆门市",
        2025,
        "荆政办发〔2025〕28号",
        "work_plan",
    ),
    "重庆市_2021_优化营商环境条例": (
        "重庆市优化营商环境条例",
        "重庆市人民代表大会常务委员会",
        "重庆市",
        2021,
        "",
        "regulation",
    ),
    "黑龙江省大庆市_2026_育儿补贴制度实施办法": (
        "大庆市育儿补贴制度实施办法",
        "大庆市卫生健康委员会 大庆市财政局",
        "黑龙江省大庆市",
        2026,
        "",
        "benefit",
    ),
    "台儿庄区_2023年政务公开工作要点": (
        "2023年台儿庄区政务公开工作要点",
        "台儿庄区人民政府办公室",
        "山东省枣庄市台儿庄区",
        2023,
        "台政办发〔2023〕6号",
        "work_plan",
    ),
    "广元市_2021年政务公开工作实施方案": (
        "广元市2021年政务公开工作实施方案",
        "广元市人民政府办公室",
        "四川省广元市",
        2021,
        "广府办函〔2021〕26号",
        "work_plan",
    ),
    "达州市_2022年全市政务公开重点工作安排": (
        "2022年全市政务公开重点工作安排",
        "达州市人民政府办公室",
        "四川省达州市",
        2022,
        "",
        "work_plan",
    ),
    "达州高新区_2023年全区政务公开工作要点": (
        "2023年全区政务公开工作要点",
        "达州高新技术产业园区党政办公室",
        "四川省达州市达州高新区",
        2023,
        "",
        "work_plan",
    ),
    "高县_2023年政务公开重点工作任务清单": (
        "2023年高县政务公开重点工作任务清单",
        "高县人民政府办公室",
        "四川省宜宾市高县",
        2023,
        "",
        "work_plan",
    ),
    # The 12 documents added on 2026-12-04, written by reading them (helper, no extractor run):
    "云南省_2025_育儿补贴制度实施方案": (
        "云南省育儿补贴制度实施方案",
        "云南省卫生健康委员会 云南省财政厅",
        "云南省",
        2025,
        "",
        "benefit",
    ),
    # Issuers only in the covering notice's 落款 (2025年11月10日); no 文号 printed. The 厅字〔2025〕15号 in the
    # text is the quoted national notice's, not this one's. Genre: the enclosed plan fixes who is subsidised,
    # how much, and how to apply → benefit, like 杭州 生育补助实施方案 (work_plan is arguable, cf. 广西).
    "国家医疗保障局财政部_2021_加快推进门诊费用跨省直接结算工作的通知": (
        "关于加快推进门诊费用跨省直接结算工作的通知",
        "国家医保局 财政部",
        "全国",
        2021,
        "医保发〔2021〕27号",
        "notice",
    ),
    # Issuers as the 落款 writes them ("国家医保局 财政部 2021年4月12日"). The final line "国家医疗保障局办公室" is a
    # cut-off 印发 line, not a third issuer. The text prints "医保发〔2021〕27 号" with a stray space, a PDF artefact
    # like "跨省 联网" throughout, so the space is dropped here. Genre: a 通知 with 目标/重点工作/要求 that encloses
    # no plan → notice (sources.tsv says work_plan).
    "国家数据局综合司等_2025_医疗保障气象服务领域数据要素典型场景指引": (
        "医疗保障、气象服务领域“数据要素×”典型场景指引",
        "国家数据局综合司 国家医保局办公室 中国气象局办公室",
        "全国",
        2025,
        "国数综政策〔2025〕122号",
        "work_plan",
    ),
    # 关于印发《…》的通知 → the enclosed 指引. Three issuers in the signature block, each on its own line
    # (2025年12月26日). Genre is borderline: a guide of model scenarios for data use, "请参照执行". It is neither
    # a subsidy 指南 nor a rule, so work_plan (a 通知 enclosing a guidance plan). sources.tsv says "other".
    "安徽省_2025_人工智能万物应用行动方案": (
        "安徽省“人工智能+万物”应用行动方案",
        "",
        "安徽省",
        2025,
        "",
        "work_plan",
    ),
    # Bare text with no header, signature, date or 文号. The year is only the file name's (targets 2027/2030; it
    # cites "二十届历次全会", which fits late 2025).
    "山东省淄博市_2021_院前医疗急救管理条例": (
        "淄博市院前医疗急救管理条例",
        "淄博市人民代表大会常务委员会",
        "山东省淄博市",
        2021,
        "",
        "regulation",
    ),
    # History: 2016-03-03 通过; 2021-04-30 修改决定 通过 by 淄博 常委会, then 2021-05-27 批准 by the 省 常委会 → 2021.
    "山东省潍坊市_2022_物业管理条例": (
        "潍坊市物业管理条例",
        "潍坊市人民代表大会常务委员会",
        "山东省潍坊市",
        2022,
        "",
        "regulation",
    ),
    # 2021-12-31 通过 by the city's 常委会, 2022-01-21 批准 by 山东省人大常委会. The last 通过/批准 is 2022, not the
    # 2021 通过.
    "山东省青岛市_2016_残疾人保障条例": (
        "青岛市残疾人保障条例",
        "青岛市人民代表大会常务委员会",
        "山东省青岛市",
        2016,
        "",
        "regulation",
    ),
    # 2016-06-29 通过 (city), 2016-07-22 批准 (province) and 公告公布 by the city 常委会. Issuer = the 常委会 that
    # passed it, not the approving 省 常委会. A 保障条例 is a regulation (sources.tsv says benefit).
    "河南省_2017_见义勇为人员奖励和保障条例": (
        "河南省见义勇为人员奖励和保障条例",
        "河南省人民代表大会常务委员会",
        "河南省",
        2017,
        "",
        "regulation",
    ),
    # One history line: 2017-12-01 通过. 条例 → regulation even though it grants rewards (sources.tsv says benefit).
    "河南省_2018_关于全面加强生态环境保护打好污染防治攻坚战的决议": (
        "河南省人民代表大会常务委员会关于全面加强生态环境保护 依法推动打好污染防治攻坚战 让中原更加出彩的决议",
        "河南省人民代表大会常务委员会",
        "河南省",
        2018,
        "",
        "notice",
    ),
    # The heading has two ASCII spaces between the three phrases. They are written here as one space each, the
    # official title's separators. A 决议 itself → notice (sources.tsv says "other"). 2018-09-29 通过. The
    # 全国人大常委会 决议 and 中共河南省委省政府…实施意见 in the text are only quoted.
    "浙江省_2020_军人军属权益保障条例": (
        "浙江省军人军属权益保障条例",
        "浙江省人民代表大会常务委员会",
        "浙江省",
        2020,
        "",
        "regulation",
    ),
    # History on one run-together line: 2015-03-27 通过, then
    # "根据2020年9月24日…第二十四次会议《关于修改〈浙江省社会救助 条例〉等六件地方性法规的决定》修正". Year = 2020,
    # when the same 常委会 passed the amending 决定. A reader who counts only the word 通过 would write 2015. The
    # quoted 《浙江省社会救助条例》 is not the title.
    "浙江省_2025_人工智能科学创新发展行动计划": (
        "浙江省加快推动“人工智能+科学”创新发展行动计划（2025-2027年）",
        "",
        "浙江省",
        2025,
        "",
        "work_plan",
    ),
    # Title keeps its bracketed period （2025-2027年） (ASCII hyphen as printed). The text has no header, signature
    # or date, so the issuer is "". 省科技厅/省发展改革委 appear only as the bodies that 统筹推进 it. The year comes
    # from the file name and the plan's start year.
    "浙江省景宁畲族自治县_2019_促进惠明茶产业发展条例": (
        "景宁畲族自治县促进惠明茶产业发展条例",
        "景宁畲族自治县人民代表大会",
        "浙江省丽水市景宁畲族自治县",
        2019,
        "",
        "regulation",
    ),
    # A 单行条例: passed 2019-02-24 by the county 人民代表大会 itself (第九届人民代表大会第三次会议), not by its
    # 常委会. Approved 2019-05-31 by 浙江省人大常委会. 丽水市 is not in the text but is the county's prefecture (cf.
    # 宜宾市高县).
}


def _path(stem: str) -> Path:
    return next(p for folder in (DEV, CORPUS) for p in folder.glob(f"{stem}.*") if p.suffix != ".json")


@cache
def _meta(stem: str) -> DocumentMeta:
    path = _path(stem)
    return extract_metadata(repair(load_file(path)).text, path.name)


def test_the_table_covers_every_document() -> None:
    stems = {p.stem for p in DEV.iterdir()} | {p.stem for p in CORPUS.glob("*.txt")}
    assert stems == set(EXPECTED)


def test_fields_match_the_hand_checked_table() -> None:
    misses = []
    for stem, expected in EXPECTED.items():
        meta = _meta(stem)
        got = (meta.title, " ".join(meta.issuers), meta.region, meta.year, meta.doc_number, meta.genre)
        misses += [f"{stem}.{name}: {g!r} != {e!r}" for name, g, e in zip(FIELDS, got, expected, strict=True) if g != e]
    total = len(EXPECTED) * len(FIELDS)
    assert (total - len(misses)) / total >= 0.95, "\n".join(misses)


def test_the_issuer_is_never_an_addressee() -> None:
    for stem in EXPECTED:
        for organ in _meta(stem).issuers:
            assert not organ.startswith("各") and not organ.endswith(("：", ":")), (stem, organ)


def test_an_enclosed_document_keeps_its_notice_as_context() -> None:
    meta = _meta("国务院办公厅_2018_政府网站集约化试点工作方案")  # info bar; title broken over two lines below it
    assert meta.title == "政府网站集约化试点工作方案"
    assert meta.notice_title == "国务院办公厅关于印发《政府网站集约化试点工作方案》的通知"
    assert (meta.date, meta.published, meta.region) == ("2018-10-27", "2018-11-09", "全国")
    assert meta.sources["title"] == HEADER


def test_a_quoted_document_is_never_the_title() -> None:
    # The text opens with 根据《鄂尔多斯市人民政府办公室关于…实施方案》; the title is the front matter's.
    meta = _meta("内蒙古自治区鄂尔多斯市_2024_二孩三孩家庭育儿补贴及托育机构补贴实施细则")
    assert "人民政府办公室" not in meta.title
    assert meta.date == "2024-10-23"  # the closing table's 成文日期, not the front matter's timestamp 2023-11-22


def test_interleaved_signatures_and_broken_bold() -> None:
    meta = _meta("广西壮族自治区_2026_育儿补贴申领一件事工作实施方案")
    assert meta.issuers[1] == "广西壮族自治区公安厅" and len(meta.issuers) == 4
    assert (meta.doc_number, meta.date, meta.published) == ("桂卫人口发〔2026〕2号", "2026-06-29", "2026-06-30")


def test_dates_in_force() -> None:
    changning = _meta("上海市长宁区_2021_区筹公共租赁住房管理办法")  # 自…起施行，有效期至…
    assert (changning.effective, changning.expires) == ("2021-11-01", "2026-10-31")
    tianhe = _meta("广州市天河区_2023_深化支持港澳青年创新创业高质量发展实施办法")  # 自…起施行，有效期3年
    assert (tianhe.effective, tianhe.expires, tianhe.sources["expires"]) == ("2023-09-08", "2026-09-07", BODY)
    relief = _meta("广州市_2021_临时救助实施细则")  # info bar 实施日期/失效日期; 落款 date is the 成文 date
    assert (relief.date, relief.effective, relief.expires) == ("2021-12-01", "2021-12-06", "2029-12-06")
    talent = _meta("广州市_2022_引进人才入户管理办法实施细则")  # 自印发之日起实施，有效期5年
    assert (talent.effective, talent.expires) == ("2022-07-07", "2027-07-06")


def test_where_each_field_came_from() -> None:
    report = _meta("国务院_2024_政府工作报告")  # 我代表国务院，向大会报告
    assert (report.issuer, report.sources["issuer"], report.region) == ("国务院", BODY, "全国")
    points = _meta("广州市_2025_积分制入户工作热点13问")  # no place in its header: the file name's
    assert points.sources["region"] == FILE_NAME and points.sources["title"] == HEADER
    putuo = _meta("上海市普陀区_2025_育儿补贴申领指南")  # no date anywhere but the policy's own
    assert putuo.sources["year"] == FILE_NAME
    fee = _meta("广州市_2025_城乡居民医保集中参保缴费通告")  # the title's 2026年度 is not the year
    assert fee.year == 2025


def test_missing_fields_warn_instead_of_failing(capsys: pytest.CaptureFixture[str]) -> None:
    meta = merge_metadata(extract_metadata("一段没有文件头的文字。"), {"region": "测试县"}, "x.txt")
    assert meta.region == "测试县" and meta.title == "" and meta.sources == {"region": MANIFEST}
    assert "x.txt: metadata field 'title' not found" in capsys.readouterr().err


def test_old_manifest_entries_still_load() -> None:
    old = {"title": "t", "issuer": "i", "region": "r", "year": 2023, "date": "2023-01-01", "doc_number": ""}
    meta = DocumentMeta(**old)
    assert meta.sources == {} and meta.issuers == [] and DocumentMeta(**meta.to_dict()) == meta


# Layouts the issue names that no corpus document has; each header is the shape such notices take.
BUREAU_NOTICE = """太仓市人力资源和社会保障局文件
太人社规〔2022〕3号
太仓市人力资源和社会保障局关于印发《太仓市就业补贴实施办法》的通知
各乡镇人民政府，县级各部门：
根据《中共中央 国务院关于实施就业优先战略的意见》，现将《太仓市就业补贴实施办法》印发给你们。
太仓市人力资源和社会保障局
2022年3月1日
"""
FULL_WIDTH_INFO_BAR = """发文机关：\t国家医保局 财政部\t成文日期：\t2022年06月30日
标\u3000\u3000题：\t国家医保局 财政部关于做好2022年城乡居民基本医疗保障工作的通知
发文字号：\t医保发(2022)20号\t发布日期：\t2022年07月08日
"""


def test_a_bureau_notice_is_not_issued_by_its_addressees() -> None:
    meta = extract_metadata(BUREAU_NOTICE)
    assert (meta.title, meta.issuer, meta.region) == (
        "太仓市就业补贴实施办法",
        "太仓市人力资源和社会保障局",
        "江苏省苏州市太仓市",
    )
    assert (meta.doc_number, meta.date, meta.genre) == ("太人社规〔2022〕3号", "2022-03-01", "benefit")


def test_joint_national_issuers_and_ascii_brackets() -> None:
    meta = extract_metadata(FULL_WIDTH_INFO_BAR)
    assert (meta.issuers, meta.region, meta.doc_number) == (["国家医保局", "财政部"], "全国", "医保发(2022)20号")
    assert (meta.date, meta.published, meta.year, meta.genre) == ("2022-06-30", "2022-07-08", 2022, "notice")


@pytest.mark.parametrize(
    ("stem", "date"),
    [
        ("台儿庄区_2023年政务公开工作要点", "2023-07-20"),
        ("广元市_2021年政务公开工作实施方案", "2021-04-25"),
        ("达州市_2022年全市政务公开重点工作安排", "2022-05-26"),
        ("达州高新区_2023年全区政务公开工作要点", "2023-06-01"),
        ("高县_2023年政务公开重点工作任务清单", "2023-06-07"),
    ],
)
def test_the_bundled_notices_signature_dates(stem: str, date: str) -> None:
    assert _meta(stem).date == date


def test_layouts_of_documents_added_later() -> None:
    # A plan's period names the year it was made in, not the year its targets fall in.
    assert _meta("浙江省_2025_人工智能科学创新发展行动计划").year == 2025
    # An autonomous county's 单行条例 is passed by its own 人民代表大会; the province's 常委会 only approves it.
    jingning = _meta("浙江省景宁畲族自治县_2019_促进惠明茶产业发展条例")
    assert jingning.issuers == ["景宁畲族自治县人民代表大会"] and jingning.region == "浙江省丽水市景宁畲族自治县"
    # PDF text: the 落款 runs into its date on one line, the 文号 stands in brackets with a stray space.
    notice = _meta("国家医疗保障局财政部_2021_加快推进门诊费用跨省直接结算工作的通知")
    assert notice.issuers == ["国家医保局", "财政部"] and notice.date == "2021-04-12"
    assert notice.doc_number == "医保发〔2021〕27号"
    # A ministry's 司 is an organ (a 公司 is not one).
    assert _meta("国家数据局综合司等_2025_医疗保障气象服务领域数据要素典型场景指引").issuers[0] == "国家数据局综合司"
