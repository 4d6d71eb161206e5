"""Every CLI importer opens its file the same way: UTF-8 (BOM or not) or GBK."""

import pytest
from django.core.management import CommandError, call_command

from jingmin.core.csvread import UnreadableFile, detect_encoding, open_csv, read_text

TEXT = "名称,地址\n丙派出所,和平县人民路1号\n"
UNDECODABLE = b"\xff\xfe\x00\xd8name\n\x80\x81\xff\n"  # neither UTF-8 nor GB18030


@pytest.mark.parametrize(
    "data",
    [TEXT.encode("utf-8"), b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT.encode("gbk")],
    ids=["utf-8", "utf-8-bom", "gbk"],
)
def test_utf8_with_or_without_bom_and_gbk_read_the_same(tmp_path, data):
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    assert read_text(path) == TEXT
    with open_csv(path) as fh:
        assert fh.read() == TEXT


def test_gbk_detected_even_when_the_first_megabyte_is_ascii(tmp_path, monkeypatch):
    monkeypatch.setattr("jingmin.core.csvread.CHUNK", 16)
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b\n" * 50 + "丙,丁\n".encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def test_missing_and_undecodable_files_say_so(tmp_path):
    with pytest.raises(UnreadableFile, match="文件不存在："):
        read_text(tmp_path / "nope.csv")
    with pytest.raises(UnreadableFile, match="文件不存在："):
        open_csv(tmp_path)  # a folder is not a file
    bad = tmp_path / "bad.csv"
    bad.write_bytes(UNDECODABLE)
    with pytest.raises(UnreadableFile, match="无法识别文件编码：.*UTF-8 或 GBK"):
        read_text(bad)
    with pytest.raises(UnreadableFile, match="无法识别文件编码"):
        open_csv(bad)


COMMANDS = [
    ["org_import_departments"],
    ["org_import_units"],
    ["mediation_import"],
    ["appeals_import"],
    ["catalogue_import_applications"],
    ["hotspots_import", "--quiet-progress"],
    ["hotspots_analyse", "--cell", "200", "--input"],
    ["hotspots_knox", "--space-bands", "100", "--time-bands", "7", "--input"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_importers_refuse_missing_and_undecodable_files_in_words(
    county, tmp_path, command
):
    with pytest.raises(CommandError, match="^文件不存在：.*nope.csv$"):
        call_command(*command, str(tmp_path / "nope.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(UNDECODABLE)
    with pytest.raises(CommandError, match="^无法识别文件编码：.*bad.csv"):
        call_command(*command, str(bad))
