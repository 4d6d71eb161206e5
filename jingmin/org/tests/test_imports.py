import json

import pytest

from jingmin.audit.models import AuditEvent
from jingmin.core.exceptions import ImportFailed
from jingmin.org.models import Department, Unit
from jingmin.org.services import departments_import_csv, units_import_geojson


def feature(code, name, geometry, **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **props},
        "geometry": geometry,
    }


def box(w, s, e, n):
    return {
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_import_units(county):
    before = AuditEvent.objects.count()
    units = units_import_geojson(
        text=collection(
            feature(
                "stc", "丙派出所", box(120.2, 30.0, 120.3, 30.1), phone="0571-80000003"
            )
        ),
        bureau=county.bureau,
        actor=county["admin"],
    )
    assert [u.code for u in units] == ["stc"]
    assert Unit.objects.get(code="stc").phone == "0571-80000003"
    assert AuditEvent.objects.count() == before + 1


def test_overlapping_jurisdiction_refuses_the_whole_file(county):
    text = collection(
        feature("stc", "丙派出所", box(120.2, 30.0, 120.3, 30.1)),
        feature("std", "丁派出所", box(120.15, 30.0, 120.25, 30.1)),  # overlaps B and C
    )
    with pytest.raises(ImportFailed) as exc:
        units_import_geojson(text=text, bureau=county.bureau, actor=None)
    assert any("重叠" in msg for _rec, _field, msg in exc.value.errors)
    assert not Unit.objects.filter(code__in=["stc", "std"]).exists()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{not json", "json"),
        (json.dumps({"type": "Feature"}), "type"),
        (collection(feature("", "无代码", None)), "code"),
        (
            collection(
                feature("bad", "坏几何", {"type": "Polygon", "coordinates": [[0, 0]]})
            ),
            "geometry",
        ),
        (collection(feature("ph", "坏电话", None, phone="123")), "phone"),
        (collection(feature("k", "坏类型", None, kind="castle")), "kind"),
    ],
)
def test_malformed_geojson_names_record_and_field(county, text, field):
    with pytest.raises(ImportFailed) as exc:
        units_import_geojson(text=text, bureau=county.bureau, actor=None)
    assert field in [f for _rec, f, _msg in exc.value.errors]


def test_import_departments(county):
    text = "code,name,contact_phone,business_areas\nhb,生态环境分局,0571-80000009,城乡建设;market\n"
    (dept,) = departments_import_csv(text=text, actor=None)
    assert set(dept.business_areas.values_list("code", flat=True)) == {
        "urban",
        "market",
    }


def test_unknown_business_area_and_bad_phone_import_nothing(county):
    text = "code,name,contact_phone,business_areas\nok,好部门,0571-80000009,城乡建设\nbad,坏部门,12,外星事务\n"
    with pytest.raises(ImportFailed) as exc:
        departments_import_csv(text=text, actor=None)
    fields = {(rec.split()[1], f) for rec, f, _msg in exc.value.errors}
    assert fields == {("3", "contact_phone"), ("3", "business_areas")}
    assert not Department.objects.filter(code__in=["ok", "bad"]).exists()


def test_missing_columns(county):
    with pytest.raises(ImportFailed) as exc:
        departments_import_csv(text="code,name\nx,y\n", actor=None)
    assert exc.value.errors == [("header", "contact_phone", "缺少此列")]
