"""The gazetteer: full paths for places however a header names them, and national organs."""

import zipfile
from pathlib import Path

import pytest

from assistant.structure.regions import gazetteer, is_national, table_lines


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("太仓市人民政府", "江苏省苏州市太仓市"),
        ("平潭综合实验区管理委员会", "福建省平潭综合实验区"),  # a zone the province runs
        ("广州市天河区科技工业和信息化局", "广东省广州市天河区"),
        ("奉贤区柘林镇人民政府", "上海市奉贤区柘林镇"),  # a town right after its county
        ("达州高新技术产业园区党政办公室", "四川省达州市达州高新区"),  # a zone named after its city
        ("内蒙古自治区鄂尔多斯市", "内蒙古自治区鄂尔多斯市"),
        ("上海市上海市", "上海市"),  # a municipality's city level is not repeated
        ("市卫生健康委员会", None),
        ("各乡镇人民政府", None),
    ],
)
def test_resolve(text: str, path: str | None) -> None:
    place = gazetteer().resolve(text)
    assert (place.path if place else None) == path


def test_ambiguous_names_are_settled_by_the_rest_of_the_text() -> None:
    assert gazetteer().resolve("普陀区", context="上海市普陀区育儿补贴").path == "上海市普陀区"
    assert gazetteer().resolve("普陀区", context="浙江省舟山市").path == "浙江省舟山市普陀区"
    assert gazetteer().resolve("柘林镇人民政府") is None  # three 柘林镇, nothing says which
    assert gazetteer().resolve("柘林镇人民政府", context="上海市奉贤区").path == "上海市奉贤区柘林镇"


def test_national_organs() -> None:
    assert all(map(is_national, ["国务院", "国务院办公厅", "国家医保局", "财政部", "人力资源社会保障部"]))
    assert not any(map(is_national, ["中共广州市天河区委统战部", "市委统战部", "广州市公安局"]))


def test_short_county_names_count_only_when_asked_for() -> None:
    assert not gazetteer().mentions("加强合作")  # 合作市's short name is a word
    assert gazetteer().resolve("天河", short_counties=True).path == "广东省广州市天河区"


def test_the_table_is_read_from_the_package_zip_as_from_its_text(tmp_path: Path) -> None:
    """A fresh jionlp install holds only the zip; a used one may hold the text too: both read alike."""
    table = "\t".join(["江苏省", "320000", "江苏"]) + "\n" + "\t" + "\t".join(["苏州市", "320500", "苏州"]) + "\n"
    zipped, unzipped = tmp_path / "zipped", tmp_path / "unzipped"
    zipped.mkdir(), unzipped.mkdir()
    with zipfile.ZipFile(zipped / "china_location.zip", "w") as archive:
        archive.writestr("china_location.txt", table)
    (unzipped / "china_location.txt").write_text(table, encoding="utf-8")
    assert list(table_lines(zipped)) == list(table_lines(unzipped)) == table.splitlines(keepends=True)
