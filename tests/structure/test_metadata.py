import pytest

from assistant.repair import repair
from assistant.structure.metadata import extract_metadata
from tests.paths import CORPUS

EXPECTED = {
    "台儿庄区_2023年政务公开工作要点": (
        "2023年台儿庄区政务公开工作要点",
        "台儿庄区人民政府办公室",
        "2023-07-20",
        "台政办发〔2023〕6号",
    ),
    "广元市_2021年政务公开工作实施方案": (
        "广元市2021年政务公开工作实施方案",
        "广元市人民政府办公室",
        "2021-04-25",
        "广府办函〔2021〕26号",
    ),
    "达州市_2022年全市政务公开重点工作安排": (
        "2022年全市政务公开重点工作安排",
        "达州市人民政府办公室",
        "2022-05-26",
        "",
    ),
    "达州高新区_2023年全区政务公开工作要点": (
        "2023年全区政务公开工作要点",
        "达州高新技术产业园区党政办公室",
        "2023-06-01",
        "",
    ),
    "高县_2023年政务公开重点工作任务清单": (
        "2023年高县政务公开重点工作任务清单",
        "高县人民政府办公室",
        "2023-06-07",
        "",
    ),
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_metadata_read_from_the_header(doc_id: str) -> None:
    meta = extract_metadata(repair((CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")).text)
    title, issuer, date, number = EXPECTED[doc_id]
    assert (meta.title, meta.issuer, meta.date, meta.doc_number) == (title, issuer, date, number)
    assert meta.year == int(date[:4])


def test_missing_fields_warn_instead_of_failing(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.structure.metadata import merge_metadata

    meta = merge_metadata(extract_metadata("一段没有文件头的文字。"), {"region": "测试县"}, "x.txt")
    assert meta.region == "测试县" and meta.title == ""
    assert "x.txt: metadata field 'title' not found" in capsys.readouterr().err
