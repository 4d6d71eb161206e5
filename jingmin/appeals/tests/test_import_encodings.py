"""`jingmin appeals import` reads a GBK file (Excel's default for Chinese CSV)."""

from django.core.management import call_command

from jingmin.appeals.models import LabelledText


def test_gbk_history_imports(tmp_path, county, cats):
    path = tmp_path / "history.csv"
    path.write_bytes(
        "title,body,category\n,楼下烧烤店深夜喧哗,噪音扰民\n".encode("gbk")
    )
    call_command("appeals_import", str(path))
    assert LabelledText.objects.get().body == "楼下烧烤店深夜喧哗"
