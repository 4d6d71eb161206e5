import pytest
from django.core.management import CommandError, call_command

from jingmin.core.exceptions import ImportFailed
from jingmin.mediation.imports import disputes_import_csv
from jingmin.mediation.models import Dispute

HEADER = "单位,类型,简要情况,地址,登记日期,金额,威胁暴力,当事人1,当事人1_电话,当事人2,当事人2_类别\n"


def test_good_file_imports_every_row(county):
    text = (
        HEADER
        + "sta,邻里纠纷,噪音扰民,测试县甲镇1号,2026-03-02,,否,张三,13800001111,李四,\n"
        + "stb,labour_wages,欠薪,测试县乙镇2号,2026-03-03,80000,是,王五,13900002222,某建筑公司,单位\n"
    )
    created = disputes_import_csv(text=text)
    assert len(created) == 2
    wages = Dispute.objects.get(type="labour_wages")
    assert wages.unit == county.stb and wages.source == "import"
    assert wages.level == "orange"  # threats 40 + large sum 15
    assert wages.parties.get(side="b").kind == "organisation"
    assert str(wages.created_at.date()) == "2026-03-03"


def test_bad_rows_are_named_and_nothing_is_imported(county):
    text = (
        HEADER
        + "sta,邻里纠纷,噪音扰民,地址,2026-03-02,,否,张三,13800001111,,\n"
        + "xx,邻里纠纷,噪音,地址,2026-03-02,,否,张三,,,\n"
        + "sta,吵架,噪音,地址,2026-03-02,,否,张三,,,\n"
        + "sta,邻里纠纷,噪音,地址,2026-03-02,,否,,,,\n"
        + "sta,邻里纠纷,噪音,地址,03/02/2026,,否,张三,,,\n"
        + "sta,邻里纠纷,噪音,地址,2026-03-02,,也许,张三,,,\n"
        + "sta,邻里纠纷,噪音,地址,2999-01-01,,否,张三,,,\n"
    )
    with pytest.raises(ImportFailed) as exc:
        disputes_import_csv(text=text)
    errors = exc.value.errors
    assert [e[0] for e in errors] == [
        "第3行",
        "第4行",
        "第5行",
        "第6行",
        "第7行",
        "第8行",
    ]
    assert [e[1] for e in errors] == [
        "unit",
        "type",
        "parties",
        "date",
        "threats",
        "date",
    ]
    assert not Dispute.objects.exists()


def test_command(county, tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(
        HEADER + "sta,债务纠纷,借款未还,地址,,,否,张三,,李四,\n", encoding="utf-8-sig"
    )
    call_command("mediation_import", str(path))
    assert "imported 1" in capsys.readouterr().out
    path.write_text(HEADER + "sta,,借款未还,地址,,,否,张三,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        call_command("mediation_import", str(path))
    assert Dispute.objects.count() == 1
