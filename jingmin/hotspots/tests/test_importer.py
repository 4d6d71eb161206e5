"""Imports are all-or-nothing; every kind of bad row is named with its line and field."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from jingmin.audit.models import AuditEvent
from jingmin.core.exceptions import ImportFailed
from jingmin.hotspots.models import Incident
from jingmin.hotspots.services import incident_import

from .factories import types

HEADER = "type,time,start,end,date,lon,lat,address,unit\n"


def write(tmp_path, body, name="in.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_good_file_imports_with_units_from_jurisdictions(county, tmp_path):
    types()
    path = write(
        tmp_path,
        (
            "ebike_theft,2026-03-01 08:30,,,,120.05,30.05,人民路1号,\n"
            "电动车盗窃,,2026-03-01T22:00,2026-03-02T07:00,,120.15,30.05,,\n"
            "burglary,,,,2026-02-10,120.06,30.06,,\n"
            "burglary,,,,2026-02-11,,,岭下村5号,stb\n"
        ),
    )
    report = incident_import(path=path)
    assert report.created == 4
    rows = list(Incident.objects.order_by("pk"))
    assert [r.unit for r in rows] == [county.sta, county.stb, county.sta, county.stb]
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert rows[0].occurred_from == dt.datetime(
        2026, 3, 1, 8, 30, tzinfo=shanghai
    )  # local time kept
    assert rows[0].source == "import" and rows[0].created_at is not None
    assert rows[1].occurred_to - rows[1].occurred_from == dt.timedelta(hours=9)
    assert rows[2].occurred_to - rows[2].occurred_from == dt.timedelta(
        days=1
    )  # a day is a window
    assert rows[3].lon is None and rows[3].address == "岭下村5号"
    assert {r.batch for r in rows} == {report.batch}
    assert (
        AuditEvent.objects.filter(
            action="hotspots.incident_import", object_id=report.batch
        ).count()
        == 1
    )


def test_one_bad_row_of_each_kind_and_nothing_imported(county, tmp_path):
    types()
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    path = write(
        tmp_path,
        (
            "ebike_theft,2026-03-01 08:30,,,,120.05,30.05,,\n"  # good
            "ebike_theft,2026-03-01 08:30,,,,121.50,30.05,,\n"  # 3: outside the county
            "ebike_theft,2026-03-01 08:30,,,,30.05,120.05,,\n"  # 4: swapped
            f"ebike_theft,{future} 10:00,,,,120.05,30.05,,\n"  # 5: future
            "scooter_theft,2026-03-01 08:30,,,,120.05,30.05,,\n"  # 6: unknown type
            "ebike_theft,yesterday,,,,120.05,30.05,,\n"  # 7: bad time
            "ebike_theft,,2026-03-02T10:00,2026-03-01T10:00,,120.05,30.05,,\n"  # 8: end before start
            "ebike_theft,2026-03-01 08:30,,,,,,,\n"  # 9: no place
            "ebike_theft,2026-03-01 08:30,,,,abc,30.05,,\n"  # 10: not a number
            "ebike_theft,2026-03-01 08:30,,,,,,人民路,\n"  # 11: address without unit
            "ebike_theft,2026-03-01 08:30,,,,120.05,30.05,,nowhere\n"  # 12: unknown unit
        ),
    )
    with pytest.raises(ImportFailed) as err:
        incident_import(path=path)
    errors = {rec: (field, msg) for rec, field, msg in err.value.errors}
    assert "范围" in errors["第 3 行"][1]
    assert "颠倒" in errors["第 4 行"][1] or "填反" in errors["第 4 行"][1]
    assert "未来" in errors["第 5 行"][1]
    assert "未知的警情类型" in errors["第 6 行"][1] and errors["第 6 行"][0] == "type"
    assert errors["第 7 行"][0] == "time"
    assert errors["第 8 行"][0] == "end"
    assert errors["第 9 行"][0] == "lon/lat"
    assert "数字" in errors["第 10 行"][1]
    assert errors["第 11 行"][0] == "unit"
    assert "nowhere" in errors["第 12 行"][1]
    assert len(err.value.errors) == 10
    assert Incident.objects.count() == 0


def test_geojson(county, tmp_path):
    types()
    path = tmp_path / "in.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [120.05, 30.05]},
                        "properties": {
                            "type": "burglary",
                            "time": "2026-01-05T03:00:00+08:00",
                        },
                    },
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [120.5, 30.05]},
                        "properties": {
                            "type": "burglary",
                            "time": "2026-01-05T03:00:00+08:00",
                        },
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as err:
        incident_import(path=path)
    assert [e[0] for e in err.value.errors] == ["第 2 行"]
    assert Incident.objects.count() == 0


def test_command_shows_progress_and_refuses_bad_files(county, tmp_path, capsys):
    types()
    good = write(
        tmp_path,
        "".join(
            f"burglary,2026-01-{d:02d} 02:00,,,,120.05,30.05,,\n" for d in range(1, 29)
        ),
    )
    call_command("hotspots_import", str(good))
    out = capsys.readouterr()
    assert "28" in out.out and "100%" in out.err and "[" in out.err
    bad = write(tmp_path, "burglary,2026-01-01 02:00,,,,120.05,31.05,,\n", "bad.csv")
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("hotspots_import", str(bad), "--quiet-progress")
    assert Incident.objects.count() == 28


def test_the_second_pass_is_batched(county, tmp_path, monkeypatch):
    from jingmin.hotspots import importer

    types()
    monkeypatch.setattr(importer, "BATCH", 7)
    path = write(
        tmp_path,
        "".join(
            f"burglary,2026-01-01 02:{m:02d},,,,120.05,30.05,,\n" for m in range(30)
        ),
    )
    assert incident_import(path=path).created == 30


def test_gbk_file_imports(county, tmp_path):
    types()
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        (HEADER + "电动车盗窃,2026-03-01 08:30,,,,120.05,30.05,人民路1号,\n").encode(
            "gbk"
        )
    )
    call_command("hotspots_import", str(path), "--quiet-progress")
    assert Incident.objects.get().address == "人民路1号"
