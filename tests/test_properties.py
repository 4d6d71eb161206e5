"""Property-based tests (hypothesis) for the parsers every app builds on, and for the
organisation importers: whatever the input, the answer is a clean value or a
DomainError naming the fault (ASVS 5.0 2.2.2; 等保 入侵防范 d) — never a crash,
never a half import."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math

import pytest
from django.db import connection
from django.test import override_settings
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from jingmin.audit.models import AuditEvent
from jingmin.core import calendar, crypto
from jingmin.core.exceptions import DomainError, ImportFailed
from jingmin.core.geo import check_lon_lat, geometry_from_geojson
from jingmin.core.identity import mask_id_number, validate_id_number
from jingmin.core.phones import mask_phone, validate_phone
from jingmin.core.text import normalize_text
from jingmin.org.models import Department, Unit
from jingmin.org.services import departments_import_csv, units_import_geojson

FAST = settings(max_examples=200, deadline=None)
DB = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# ---------------------------------------------------------------- ID numbers
@st.composite
def id_numbers(draw) -> str:
    # stdnum checks that the region code existed on the birth date, so draw dates
    # after these districts were created.
    region = draw(st.sampled_from(["330102", "110105", "110101", "330106", "510104"]))
    born = draw(st.dates(dt.date(1995, 1, 1), dt.date(2024, 12, 31)))
    seq = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@FAST
@given(id_numbers(), st.sampled_from(["plain", "fullwidth", "spaced", "lower"]))
def test_valid_id_numbers_survive_any_formatting(number, style):
    text = {
        "plain": number,
        "fullwidth": number.translate(FULLWIDTH),
        "spaced": f" {number[:6]} {number[6:14]} {number[14:]} ",
        "lower": number.lower(),
    }[style]
    assert validate_id_number(text) == number


@FAST
@given(id_numbers(), st.integers(0, 16), st.sampled_from("0123456789X"))
def test_one_changed_digit_is_caught(number, pos, digit):
    assume(number[pos] != digit)
    with pytest.raises(DomainError):
        validate_id_number(number[:pos] + digit + number[pos + 1 :])


@FAST
@given(st.text(max_size=40))
def test_any_text_is_an_id_number_or_a_domain_error(text):
    try:
        out = validate_id_number(text)
    except DomainError as exc:
        assert exc.code.startswith("id_")
    else:
        assert len(out) == 18 and out[:17].isdigit()


@FAST
@given(st.text(alphabet="0123456789X", min_size=0, max_size=30))
def test_masked_id_keeps_length_and_hides_the_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) > 8:
        assert masked[:4] == value[:4] and masked[-4:] == value[-4:]
        assert set(masked[4:-4]) == {"*"}
    else:
        assert set(masked) <= {"*"}


# ---------------------------------------------------------------- phones
mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")


@FAST
@given(mobiles, st.sampled_from(["", "+86", "0086", "+86-", "+86 "]), st.booleans())
def test_valid_mobiles_normalise(number, prefix, spaced):
    text = prefix + (f"{number[:3]} {number[3:7]} {number[7:]}" if spaced else number)
    assert validate_phone(text) == number
    assert validate_phone(text.translate(FULLWIDTH), mobile_only=True) == number


@FAST
@given(st.text(max_size=30), st.booleans())
def test_any_text_is_a_phone_or_a_domain_error(text, mobile_only):
    try:
        out = validate_phone(text, mobile_only=mobile_only)
    except DomainError as exc:
        assert exc.field == "phone"
    else:
        assert out.replace("-", "").isdigit()
        assert validate_phone(out, mobile_only=mobile_only) == out  # idempotent


@FAST
@given(mobiles)
def test_masked_phone_shows_at_most_seven_digits(number):
    masked = mask_phone(number)
    assert len(masked) == 11 and masked.count("*") == 4
    assert masked[:3] == number[:3] and masked[-4:] == number[-4:]


# ---------------------------------------------------------------- text
@FAST
@given(st.text())
def test_normalize_text_is_idempotent_and_clean(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert once == once.strip()
    assert "\r" not in once and "  " not in once
    assert all(ch in "\n\t" or ord(ch) >= 32 for ch in once)


@FAST
@given(st.text(alphabet="0123456789ABCxyz", max_size=20))
def test_full_width_folds_to_half_width(text):
    wide = "".join(chr(ord(c) + 0xFEE0) for c in text)
    assert normalize_text(wide) == text


# ---------------------------------------------------------------- coordinates
@FAST
@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
)
def test_check_lon_lat_accepts_exactly_the_globe(lon, lat):
    inside = -180 <= lon <= 180 and -90 <= lat <= 90
    if inside:
        check_lon_lat(lon, lat)
    else:
        with pytest.raises(ValueError):
            check_lon_lat(lon, lat)
    if math.isnan(lon) or math.isnan(lat):
        assert not inside


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False)
    | st.integers()
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=25,
)
ring_points = st.lists(
    st.tuples(st.floats(119, 121, allow_nan=False), st.floats(29, 31, allow_nan=False)),
    min_size=0,
    max_size=7,
)


@st.composite
def polygonish(draw):
    """Geometry-shaped values: some valid, many subtly broken."""
    ring = [list(p) for p in draw(ring_points)]
    if ring and draw(st.booleans()):
        ring.append(ring[0])  # closed
    coords = draw(
        st.sampled_from(
            [
                [ring],
                [ring, ring],
                ring,
                [[ring]],
                [],
                [[]],
                "x",
                [[["a", "b"]]],
                [[[1]]],
            ]
        )
    )
    kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "polygon", None]))
    if kind == "MultiPolygon" and draw(st.booleans()):
        coords = [coords]
    geom = {"type": kind, "coordinates": coords}
    if draw(st.booleans()):
        return {"type": "Feature", "properties": {}, "geometry": geom}
    return geom


@FAST
@given(st.one_of(polygonish(), json_values))
def test_geometry_from_geojson_returns_a_valid_polygon_or_value_error(data):
    try:
        geom = geometry_from_geojson(data)
    except ValueError:
        return
    assert geom.geom_type in {"Polygon", "MultiPolygon"}
    assert geom.is_valid and not geom.is_empty


# ---------------------------------------------------------------- calendar
days = st.dates(dt.date(2018, 1, 1), dt.date(2030, 12, 31))


@pytest.fixture
def fresh_calendar(db):
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@DB
@given(days, st.integers(0, 40))
def test_working_days_round_trip(fresh_calendar, start, n):
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n
    assert end >= start
    if n:
        assert calendar.is_workday(end)
        assert calendar.add_working_days(start, n - 1) < end


@DB
@given(days, st.integers(0, 20), st.integers(0, 20))
def test_working_days_compose(fresh_calendar, start, a, b):
    assert calendar.add_working_days(
        calendar.add_working_days(start, a), b
    ) == calendar.add_working_days(start, a + b)


shanghai_times = st.datetimes(
    dt.datetime(2020, 1, 1),
    dt.datetime(2030, 12, 1),
    timezones=st.just(calendar.SHANGHAI),
)


@DB
@given(shanghai_times, st.integers(0, 60 * 30), st.integers(0, 60 * 30))
def test_working_hours_land_in_office_hours_and_compose(fresh_calendar, start, m1, m2):
    h1, h2 = m1 / 60, m2 / 60
    open_t, close_t = calendar.office_hours()
    end = calendar.add_working_hours(start, h1 + h2)
    assert end >= start
    if h1 + h2 > 0:
        local = end.astimezone(calendar.SHANGHAI)
        assert calendar.is_workday(local.date())
        assert open_t < local.time() <= close_t
    assert calendar.add_working_hours(calendar.add_working_hours(start, h1), h2) == end


@DB
@given(shanghai_times, st.integers(0, 30))
def test_deadline_is_end_of_a_working_day(fresh_calendar, start, n):
    deadline = calendar.working_days_deadline(start, n)
    assert deadline.timetz().replace(tzinfo=None) == calendar.office_hours()[1]
    assert n == 0 or calendar.is_workday(deadline.date())
    assert deadline.date() >= start.astimezone(calendar.SHANGHAI).date()


# ---------------------------------------------------------------- crypto
KEY_A = "oLx2iZ6m6O2w9b2ZyFQmS8u8l5o1y3H1qZ8dQm0rXfo="
KEY_B = "4yVQ3bX2u1Y7Yd0o9zK9l4zv3i5hR3s8d2c1b0a9ZxM="


@FAST
@given(st.text(min_size=1, max_size=200))
def test_encrypt_round_trip_and_rotation(value):
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_A]):
        token = crypto.encrypt(value)
        assert token.startswith(crypto.PREFIX) and token != value
        assert crypto.decrypt(token) == value
        assert crypto.encrypt(value) != token  # randomised: equal values don't show
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B, KEY_A]):
        assert crypto.decrypt(token) == value  # old key still reads
        rotated = crypto.rotate(token)
    with override_settings(FIELD_ENCRYPTION_KEYS=[KEY_B]):
        assert crypto.decrypt(rotated) == value  # old key can be dropped


@FAST
@given(st.text(min_size=1, max_size=50), st.text(min_size=1, max_size=50))
def test_blind_index_is_deterministic_and_separates_values(a, b):
    assert crypto.blind_index(a) == crypto.blind_index(a)
    assert len(crypto.blind_index(a)) == 32
    if a != b:
        assert crypto.blind_index(a) != crypto.blind_index(b)


# ---------------------------------------------------------------- importers
codes = st.one_of(
    st.from_regex(r"\A[a-z][a-z0-9_-]{0,12}\Z"),
    st.text(max_size=40),
    st.just(""),
    st.none(),
    st.integers(),
)
names = st.one_of(st.text(min_size=1, max_size=12), st.text(max_size=100), st.none())


@st.composite
def boxes(draw):
    w = draw(st.floats(119.0, 121.0, allow_nan=False))
    s = draw(st.floats(29.0, 31.0, allow_nan=False))
    size = draw(st.floats(0.0001, 0.3, allow_nan=False))
    return {
        "type": "Polygon",
        "coordinates": [
            [[w, s], [w + size, s], [w + size, s + size], [w, s + size], [w, s]]
        ],
    }


@st.composite
def features(draw):
    props = {
        "code": draw(codes),
        "name": draw(names),
        "kind": draw(st.sampled_from(["station", "traffic", "bogus", None])),
    }
    if draw(st.booleans()):
        props["phone"] = draw(st.one_of(mobiles, st.text(max_size=15)))
    geometry = draw(st.one_of(st.none(), boxes(), polygonish()))
    return {"type": "Feature", "properties": props, "geometry": geometry}


def geojson_texts():
    collections = st.lists(features(), max_size=5).map(
        lambda fs: json.dumps({"type": "FeatureCollection", "features": fs})
    )
    return st.one_of(
        collections,
        collections,
        json_values.map(json.dumps),
        st.text(max_size=60),
    )


def _state():
    return (
        sorted(Unit.objects.values_list("code", "name", "jurisdiction")),
        sorted(Department.objects.values_list("code", "name", "contact_phone")),
        AuditEvent.objects.count(),
    )


@DB
@given(text=geojson_texts())
def test_units_import_is_all_or_nothing(county, text):
    before = _state()
    try:
        units = units_import_geojson(
            text=text, bureau=county.bureau, actor=county["admin"]
        )
    except ImportFailed as exc:
        assert exc.errors, "ImportFailed must list what was wrong"
        assert _state() == before
        return
    after = _state()
    assert after[2] == before[2] + len(units)  # one audit event per unit written
    for unit in units:
        assert Unit.objects.filter(code=unit.code, name=unit.name).exists()


SERIAL = itertools.count()


@st.composite
def csv_texts(draw):
    header = draw(
        st.sampled_from(
            [
                "code,name,contact_phone,business_areas",
                "code,name,contact_phone",
                "code,name",
                "\ufeffcode,name,contact_phone,business_areas,description",
            ]
        )
    )
    rows = draw(
        st.lists(
            st.tuples(
                st.one_of(
                    st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z"), st.text(max_size=40)
                ),
                # unique names: a repeated name is a known gap, pinned below
                st.text(min_size=1, max_size=90).map(lambda t: f"{t}·{next(SERIAL)}"),
                st.one_of(mobiles, st.just("0571-80000001"), st.text(max_size=12)),
                st.sampled_from(
                    ["", "urban", "market;城乡建设", "nope", "urban；market"]
                ),
            ),
            max_size=5,
        )
    )
    lines = [header] + [
        ",".join('"' + str(v).replace('"', '""') + '"' for v in row) for row in rows
    ]
    if draw(st.booleans()):
        lines.append(
            draw(st.text(alphabet=st.characters(exclude_characters="\r"), max_size=40))
        )
    return "\n".join(lines)


@DB
@given(text=csv_texts())
def test_departments_import_is_all_or_nothing(county, text):
    before = _state()
    try:
        depts = departments_import_csv(text=text, actor=county["admin"])
    except ImportFailed as exc:
        assert exc.errors
        assert _state() == before
        return
    assert _state()[2] == before[2] + len(depts)


def test_property_suite_runs_on(db):
    """Which database the importers were exercised on (the suite runs on both)."""
    assert connection.vendor in {"sqlite", "postgresql"}


# ---------------------------------------------------------------- known gaps
# Inputs hypothesis found that the importers answer with a crash instead of
# ImportFailed (the transaction still rolls back, so nothing is half imported).
# Each is pinned here as an expected failure; once jingmin/org/services.py turns
# it into ImportFailed the same test simply passes.
GAP = "jingmin.org.services raises {} instead of ImportFailed (reported to the lead)"


def fc(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


@pytest.mark.parametrize(
    "text,crash",
    [
        pytest.param(fc(None), "AttributeError", id="feature-is-null"),
        pytest.param(fc(1.5), "AttributeError", id="feature-is-a-number"),
        pytest.param(
            fc({"type": "Feature", "properties": ["code"], "geometry": None}),
            "AttributeError",
            id="properties-is-a-list",
        ),
        pytest.param(
            fc(
                {
                    "type": "Feature",
                    "properties": {"code": "a" * 41, "name": "x"},
                    "geometry": None,
                }
            ),
            "DataError on PostgreSQL, silent on SQLite",
            id="code-longer-than-40",
        ),
    ],
)
def test_units_import_gap(county, text, crash):
    before = _state()
    try:
        units_import_geojson(text=text, bureau=county.bureau, actor=county["admin"])
    except ImportFailed:
        assert _state() == before
        return
    except Exception:  # noqa: BLE001
        pytest.xfail(GAP.format(crash))
    if crash.startswith("DataError") and connection.vendor == "sqlite":
        pytest.xfail("SQLite stores the over-long code; the importer should refuse it")
    pytest.fail("imported a record it should have refused")


@pytest.mark.parametrize(
    "text,crash",
    [
        pytest.param(
            "code,name,contact_phone\nd1,同名,13800000001\nd2,同名,13800000002",
            "IntegrityError",
            id="two-rows-same-name",
        ),
        pytest.param(
            "code,name,contact_phone\nd1,住建局,13800000001",
            "IntegrityError",
            id="name-of-another-existing-department",
        ),
        pytest.param(
            "code,name,contact_phone\nd1,a\rb,13800000001",
            "csv.Error",
            id="bare-carriage-return",
        ),
        pytest.param(
            "code,name,contact_phone\nd1," + "名" * 101 + ",13800000001",
            "DataError on PostgreSQL, silent on SQLite",
            id="name-longer-than-100",
        ),
    ],
)
def test_departments_import_gap(county, text, crash):
    before = _state()
    try:
        departments_import_csv(text=text, actor=county["admin"])
    except ImportFailed:
        assert _state() == before
        return
    except Exception:  # noqa: BLE001
        pytest.xfail(GAP.format(crash))
    if crash.startswith("DataError") and connection.vendor == "sqlite":
        pytest.xfail("SQLite stores the over-long name; the importer should refuse it")
    pytest.fail("imported a record it should have refused")
