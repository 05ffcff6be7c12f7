"""The document's apparatus (info bars, cover notices, 落款, breadcrumbs, page chrome) is told from its content."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest

from assistant.chunking import ChunkSettings, chunk_document
from assistant.corpus import read_document
from assistant.documents import APPARATUS, PROSE, Passage
from assistant.structure.metadata import apparatus_line, apparatus_runs

DEV = Path(__file__).resolve().parents[2] / "eval" / "corpora" / "dev" / "docs"


@cache
def _passages(name: str) -> list[Passage]:
    return chunk_document(read_document(DEV / name), ChunkSettings())


def _passage_with(name: str, words: str) -> Passage:
    return next(passage for passage in _passages(name) if words in passage.text)


@pytest.mark.parametrize(
    "line",
    [
        "索 引 号： \t000014349/2018-00219 \t主题分类： \t税务发文机关： \t国务院 \t成文日期： \t2018年12月13日",
        "发布日期：2025-04-08 11:24:11文章来源：市人力资源社会保障局官网",
        "当前位置：首页\xa0>\xa0政务服务\xa0>\xa0最新服务\xa0>\xa0就业服务",
        "[政府信息公开](</col/col376/index.html>)| >[政策](</col/col9919/index.html>)",
        "《“无废城市”建设试点工作方案》已经国务院同意，现印发给你们，请认真贯彻执行。",
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
        "穗人社规字〔2022〕2号",
        "2023年8月9日",
        "title: 育儿补贴制度实施方案政策解读",
        "2021年3月31日 重庆市第五届人民代表大会常务委员会第二十五次会议通过",
        # 广州市天河区_2023_…实施办法: organs, notice title and addressee run together into one paragraph
        "广州市天河区科技工业和信息化局 中共广州市天河区委统战部关于印发广州市天河区深化支持港澳青年创新创业"
        "高质量发展实施办法的通知区属各单位：",
    ],
)
def test_telling_lines(line: str) -> None:
    assert apparatus_line(line) == "telling"


@pytest.mark.parametrize(
    "line",
    [
        "1.婴幼儿有关材料。《出生医学证明》《居民户口簿》首页及婴幼儿页。",  # 首页 of a booklet, not of a site
        "选择“广州市—>居住证所在区—>居住证所在镇（街）—>在线办理”）填报积分制入户资料",  # a route to click
        "第十三条\xa0本办法自2023年9月8日起施行，有效期3年。",
        "申请时间：2025年8月11日至8月22日。",
        "一、申报对象",
        "现就做好2025年度有关工作通知如下：",
    ],
)
def test_content_lines(line: str) -> None:
    assert apparatus_line(line) == ""


def test_the_title_line_with_the_site_menu_is_apparatus_but_a_menu_alone_is_not() -> None:
    title = "广州市天河区深化支持港澳青年创新创业高质量发展实施办法"
    header = f"{title}无障碍阅读\n长者助手\n繁体版\n英文版\nEN\n"
    assert apparatus_runs(header, title) == [(0, len(header), True)]
    cells = "序号\n任务\n牵头单位\n完成时限\n区发改委\n"  # a table one cell per line looks like chrome
    assert apparatus_runs(cells, title) == [(0, len(cells), False)]


def test_runs_cover_the_text_in_order_and_a_short_run_joins_its_neighbour() -> None:
    text = (
        "国务院办公厅关于印发《政府网站集约化\n试点工作方案》的通知\n国办函〔2018〕71号\n"
        "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
        "根据各地区政府网站集约化工作进展情况和试点申报情况，确定北京、吉林、安徽等10个省（区、市）作为试点地区。\n"
    )
    runs = apparatus_runs(text)
    assert [flag for *_, flag in runs] == [True, False]
    assert runs[0][0] == 0 and runs[-1][1] == len(text)
    assert all(end == start for (_, end, _), (start, _, _) in itertools.pairwise(runs))
    assert text[runs[1][0] :].startswith("根据各地区")


def test_an_article_is_content_and_the_signature_under_it_apparatus() -> None:
    name = "广州市天河区_2023_深化支持港澳青年创新创业高质量发展实施办法.html"
    article = _passage_with(name, "本办法自2023年9月8日起施行")
    assert article.kind == PROSE and "印发" not in article.text
    assert _passage_with(name, "2023年8月9日印发").kind == APPARATUS
    assert _passage_with(name, "现印发实施").kind == APPARATUS  # the cover notice and its 落款
    assert _passage_with(name, "关于印发").kind == APPARATUS  # its title, run together with the addressee


@pytest.mark.parametrize(
    ("name", "apparatus", "content"),
    [
        ("国务院_2018_个人所得税专项附加扣除暂行办法.txt", "索 引 号", "第五条"),
        ("上海市奉贤区柘林镇_2023_文物保护管理办法.md", "文号: 奉柘府〔2023〕22号", "第二十六条"),
        ("广州市_2024_进一步加强户籍家庭住房保障工作的通知.txt", "当前位置", "49952元"),
        ("北京市_2019_实施残疾人保障法办法.md", "第十届人民代表大会常务委员会第十一次会议通过", "第六十五条"),
        ("黑龙江省大庆市_2026_育儿补贴制度实施办法.md", "tags:", "将2025年1月1日至2026年12月31日确定为过渡期"),
        ("广州市_2025_积分制入户工作热点13问.html", "长者助手", "①获得核定积分"),
    ],
)
def test_real_documents(name: str, apparatus: str, content: str) -> None:
    assert _passage_with(name, apparatus).kind == APPARATUS
    assert _passage_with(name, content).kind == PROSE
