"""The CLI interfaces other people rely on: analyse, knox, evaluate (import: test_importer)."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from jingmin.hotspots.models import Campaign

from .factories import IN_A, cluster, types

SMALL = (
    "type,date,lon,lat\n"
    + "".join(
        f"burglary,2026-01-{1 + k % 28:02d},{-1.55 + 0.0004 * (k % 5):.5f},{53.80 + 0.0004 * (k // 5 % 5):.5f}\n"
        for k in range(40)
    )
    + "".join(
        f"fraud,2026-02-{1 + k:02d},{-1.50 + 0.01 * k:.4f},{53.75 + 0.008 * k:.4f}\n"
        for k in range(20)
    )
)


@pytest.fixture
def small_csv(tmp_path):
    path = tmp_path / "leeds.csv"
    path.write_text(SMALL, encoding="utf-8")
    return path


def test_analyse_file_without_importing(small_csv, tmp_path, capsys, db):
    out = tmp_path / "out.json"
    call_command(
        "hotspots_analyse",
        "--input",
        str(small_csv),
        "--cell",
        "200",
        "--json",
        str(out),
        "--neighbourhood",
        "distance:450",
    )
    data = json.loads(out.read_text())
    p = data["params"]
    assert p["projection"].startswith("+proj=aeqd") and p["cell_size"] == 200.0
    rows, cols = p["grid"]["shape"]
    assert len(p["grid"]["origin"]) == 2
    assert len(data["cells"]) == rows * cols  # every cell of the file's extent
    assert set(data["cells"][0]) >= {"row", "col", "count", "z", "p", "class"}
    assert sum(c["count"] for c in data["cells"]) == 60
    assert max(data["cells"], key=lambda c: c["count"])["class"].startswith("hot")
    assert "热点" in capsys.readouterr().out


def test_analyse_filters_by_type_and_month(small_csv, tmp_path, db):
    out = tmp_path / "out.json"
    call_command(
        "hotspots_analyse",
        "--input",
        str(small_csv),
        "--cell",
        "500",
        "--json",
        str(out),
        "--type",
        "fraud",
        "--from",
        "2026-02",
        "--to",
        "2026-02",
    )
    assert json.loads(out.read_text())["n"] == 20
    with pytest.raises(CommandError, match="没有警情"):
        call_command(
            "hotspots_analyse",
            "--input",
            str(small_csv),
            "--cell",
            "500",
            "--type",
            "fraud",
            "--from",
            "2026-03",
        )


def test_analyse_refuses_a_tiny_cell_with_the_limit(small_csv, db):
    with pytest.raises(CommandError, match="至少用"):
        call_command("hotspots_analyse", "--input", str(small_csv), "--cell", "0.5")


def test_analyse_projected_input_needs_crs(tmp_path, db):
    path = tmp_path / "xy.csv"
    path.write_text(
        "x,y,date\n355000,580000,2016-01-01\n355100,580100,2016-01-02\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="--crs"):
        call_command("hotspots_analyse", "--input", str(path), "--cell", "100")
    out = tmp_path / "o.json"
    call_command(
        "hotspots_analyse",
        "--input",
        str(path),
        "--cell",
        "100",
        "--crs",
        "EPSG:26971",
        "--json",
        str(out),
    )
    assert json.loads(out.read_text())["n"] == 2


def test_analyse_stored_incidents(county, tmp_path):
    cluster(types()["burglary"], *IN_A, 12, unit=county.sta)
    out = tmp_path / "db.json"
    call_command(
        "hotspots_analyse", "--cell", "500", "--json", str(out), "--type", "burglary"
    )
    data = json.loads(out.read_text())
    assert data["n"] == 12 and data["params"]["input"] is None


def test_knox_file(small_csv, tmp_path, capsys, db):
    out = tmp_path / "k.json"
    call_command(
        "hotspots_knox",
        "--input",
        str(small_csv),
        "--space-bands",
        "100,200",
        "--time-bands",
        "7,14",
        "--permutations",
        "49",
        "--seed",
        "3",
        "--json",
        str(out),
    )
    data = json.loads(out.read_text())
    assert (
        data["permutations"] == 49
        and len(data["observed"]) == 4
        and len(data["observed"][0]) == 3
    )
    assert sum(map(sum, data["observed"])) == 60 * 59 // 2
    assert "观测/期望" in capsys.readouterr().out
    with pytest.raises(CommandError, match="递增"):
        call_command(
            "hotspots_knox",
            "--input",
            str(small_csv),
            "--space-bands",
            "200,100",
            "--time-bands",
            "7",
        )


def test_evaluate_command(county, tmp_path, capsys):
    t = types()["burglary"]
    area = {
        "type": "Polygon",
        "coordinates": [
            [
                [120.04, 30.04],
                [120.06, 30.04],
                [120.06, 30.06],
                [120.04, 30.06],
                [120.04, 30.04],
            ]
        ],
    }
    c = Campaign.objects.create(
        name="夜巡",
        area=area,
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 1, 31),
        actions="夜间巡逻",
    )
    c.units.set([county.sta])
    c.incident_types.set([t])
    out = tmp_path / "e.json"
    call_command("hotspots_evaluate", "夜巡", "--json", str(out))
    assert json.loads(out.read_text())["counts"]["target"]["before"] == 0
    assert "夜巡" in capsys.readouterr().out
    with pytest.raises(CommandError, match="找不到"):
        call_command("hotspots_evaluate", "999")
