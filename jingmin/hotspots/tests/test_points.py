"""Every real data file reads cleanly through the file-based analysis input."""

import numpy as np
import pytest

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
