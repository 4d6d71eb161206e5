"""Every real data file reads cleanly through the file-based analysis input."""

import datetime as dt

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from jingmin.core.exceptions import ImportFailed
from jingmin.hotspots.analysis.points import InputError, read_points

FILES = [
    # file, crs, rows, lon range
    ("nearrepeat-td_chicago_burglary_2014_2017.csv", "EPSG:26971", 45319, (-88, -87.5)),
    ("nearrepeat-ws_chicago_be_month1.csv", "EPSG:26971", 970, (-88, -87.5)),
    ("nearrepeat-ws_chicago_arson.csv", "EPSG:26971", 522, (-88, -87.5)),
    ("nij-portland_crimes_bur.csv", "EPSG:2913", 5364, (-123, -122.4)),
    ("nij-portland_crimes_veh.csv", "EPSG:2913", 9842, (-123, -122.4)),
    ("opencp_chicago_southside_2016.csv", None, 1000, (-88, -87.5)),
    ("policeuk_bicycle_theft_btp_2015-12_2018-11.csv", None, 16582, (-6, 2)),
    ("policeuk_bicycle_theft_ni_btp_2015-12_2018-11.csv", None, 2602, (-8.5, 2)),
    ("policeuk_camden_2019-06_all_types.csv", None, 4075, (-0.22, -0.1)),
    (
        "policeuk_west_yorkshire_2017_sample_crime-sim-toolkit.csv",
        None,
        2450,
        (-2.2, -1.2),
    ),
]


@pytest.mark.parametrize("name,crs,rows,lon_range", FILES)
def test_real_files_read(crime_data, name, crs, rows, lon_range):
    p = read_points(crime_data / name, crs=crs)
    assert len(p) + p.skipped == rows
    assert p.skipped <= 1
    assert lon_range[0] < np.min(p.lon) and np.max(p.lon) < lon_range[1]


def test_us_dates_with_times_and_types(crime_data):
    p = read_points(crime_data / "opencp_chicago_southside_2016.csv")
    assert (
        str(p.dates[0]) == "2016-04-27" and p.hours[0] == 13 and p.types[0] == "BATTERY"
    )


def test_day_first_dates_are_detected(crime_data):
    p = read_points(
        crime_data / "nearrepeat-td_chicago_burglary_2014_2017.csv", crs="EPSG:26971"
    )
    assert min(p.dates).isoformat() == "2014-01-01" and max(p.dates).year == 2017


def test_projected_coordinates_without_crs_are_refused(crime_data):
    with pytest.raises(InputError, match="--crs"):
        read_points(crime_data / "nij-portland_crimes_bur.csv")


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "points.csv"
    path.write_bytes(text.encode(encoding))
    return path


GOOD = "type,date,lon,lat\n盗窃,2026-01-05,116.40,39.90\n"


def test_bad_rows_are_named_and_nothing_is_analysed(tmp_path):
    path = write(
        tmp_path,
        GOOD
        + "盗窃,2026-13-01,116.40,39.90\n"  # line 3: no 13th month
        + "盗窃,2099-01-01,116.40,39.90\n"  # line 4: future
        + "盗窃,2026-01-05,39.90,116.40\n"  # line 5: swapped
        + "盗窃,2026-01-05,东经116,39.90\n"  # line 6: text
        + "盗窃,2026-01-05,nan,39.90\n",  # line 7: not finite
    )
    with pytest.raises(ImportFailed) as caught:
        read_points(path)
    errors = {rec: (field, msg) for rec, field, msg in caught.value.errors}
    assert list(errors) == ["第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行"]
    assert errors["第 3 行"] == ("date", "date 不是有效的时间：2026-13-01")
    assert "未来" in errors["第 4 行"][1]
    assert "填反" in errors["第 5 行"][1] and errors["第 5 行"][0] == "lon/lat"
    assert "lon 不是数字" in errors["第 6 行"][1]
    assert "lon 不是有效数字" in errors["第 7 行"][1]
    assert str(caught.value).startswith("5 处错误，没有分析任何数据（共 1 行有效）")


def test_today_is_not_the_future_and_empty_cells_are_skipped(tmp_path):
    path = write(
        tmp_path,
        GOOD
        + "盗窃,2026-01-05,,\n"
        + "盗窃,,116.4,39.9\n"
        + "盗窃,2026-11-29,116.4,39.9\n",
    )
    p = read_points(path, now=dt.datetime(2026, 11, 29, 1, tzinfo=dt.UTC))
    assert len(p) == 2 and p.skipped == 2


def test_gbk_file_reads(tmp_path):
    p = read_points(write(tmp_path, GOOD, encoding="gbk"))
    assert p.types == ["盗窃"]


def test_analyse_command_lists_bad_rows(tmp_path, db):
    path = write(tmp_path, GOOD + "盗窃,2026-13-01,116.40,39.90\n")
    with pytest.raises(
        CommandError, match="(?s)1 处错误.*第 3 行: date: date 不是有效的时间"
    ):
        call_command("hotspots_analyse", "--input", str(path), "--cell", "200")
