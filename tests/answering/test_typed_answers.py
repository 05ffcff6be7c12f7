"""Typed answers over real subsidy and regulation documents of the dev corpus (tune half), real model."""

import shutil
from pathlib import Path

import pytest

from assistant.answering.answerer import Answerer
from assistant.embedding.embedder import SentenceTransformerEmbedder
from assistant.engine import Engine
from tests.paths import ROOT

DEV_DOCS = ROOT / "eval" / "corpora" / "dev" / "docs"
DOCUMENTS = (
    "广州市_2025_高校毕业生创业补贴.html",
    "广州市天河区_2023_深化支持港澳青年创新创业高质量发展实施办法.html",
    "山东省威海市_2020_居民养老服务保障条例.md",
    "国务院办公厅_2019_国家组织药品集中采购和使用试点方案.txt",  # names 香港 (香港医院管理局专家) as 天河's does
    "广东省_2026_高校毕业生就业创业扶持政策清单.txt",
    "浙江省杭州市_2025_生育补助实施方案.md",
)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Answerer:
    corpus = tmp_path_factory.mktemp("dev-corpus")
    for name in DOCUMENTS:
        shutil.copy(DEV_DOCS / name, corpus / name)
    engine = Engine.open(Path(corpus), tmp_path_factory.mktemp("dev-index"), embedder=embedder, progress=False)
    return Answerer(engine.retriever)


def test_the_figure_asked_not_the_first_one(answerer: Answerer) -> None:
    # 第八条 holds a 1万元 reward, 3000元 a month, 6 months, 1500元 housing… the internship's period is asked.
    answer = answerer.answer("港澳青年在天河基地企业实习，实习补贴最长能领几个月？")
    assert answer.answerable and "不超过6个月" in answer.lines[0].text
    assert "1万元" not in answer.text


def test_every_part_is_answered_and_cited(answerer: Answerer) -> None:
    answer = answerer.answer("大学生在广州创业租场地，租金补贴一年补多少？最多补几年？")
    assert answer.answerable and "6000元" in answer.text and "累计不超过3年" in answer.text
    assert all(line.citations for line in answer.lines) and len(answer.lines) >= 2
    answer = answerer.answer("威海城镇新建生活区的养老服务用房按每百户多少平方米配建？已建成生活区呢？")
    assert "二十平方米" in answer.text and "十五平方米" in answer.text


def test_a_place_the_documents_speak_of_is_a_topic_not_a_missing_jurisdiction(answerer: Answerer) -> None:
    # No document is 香港's, but two speak of it: the question asks about 香港 students, not for 香港's documents.
    answer = answerer.answer("香港的大学生到孵化基地的企业里实习，每个月有多少补贴？")
    assert answer.decision is not None and answer.decision.rule != "unknown_place"
    assert answer.answerable and "3000元" in answer.text
    # A city no document is from or speaks of is still named as missing, whatever jieba tags its name.
    refused = answerer.answer("石家庄的大学生创业租金补贴一年补多少？")
    assert refused.decision is not None and refused.decision.rule == "unknown_place" and "石家庄" in refused.message


def test_the_parts_of_one_subject_come_from_its_section(answerer: Answerer) -> None:
    # The 粤东粤西粤北 subsidy's section states its own deadline; the 创业带动就业补贴 section's deadline is another's.
    answer = answerer.answer(
        "在广东，大学毕业还没满两年的人，到广东东西两翼和北部山区的单位上班，读到博士、硕士的分别能拿多少钱？"
        "最晚什么时候得去申请？"
    )
    assert answer.answerable and "博士每人10000元" in answer.text and "稳定就业满6个月之日起1年内" in answer.text
    assert "登记注册之日起3年内" not in answer.text
    # 孕产补助's 申请时限 is in its own item; a date of the 三孩补助 item is not when it is applied for.
    answer = answerer.answer("在杭州怀了二胎，孕产补助最早什么时候能申请、最晚什么时候之前要申请？")
    assert answer.answerable and "怀孕满24周至婴儿出生后180日" in answer.text
