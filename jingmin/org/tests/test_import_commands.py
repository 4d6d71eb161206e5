"""`jingmin org import-departments/import-units` read UTF-8 or GBK files."""

import json

import pytest
from django.core.management import call_command

from jingmin.org.models import Department, Unit

DEPARTMENTS = (
    "code,name,contact_phone,business_areas\nhb,生态环境分局,0571-80000009,城乡建设\n"
)
UNITS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "stc", "name": "丙派出所"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [120.2, 30.0],
                        [120.3, 30.0],
                        [120.3, 30.1],
                        [120.2, 30.1],
                        [120.2, 30.0],
                    ]
                ],
            },
        }
    ],
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_departments_in_any_common_encoding(county, tmp_path, encoding):
    path = tmp_path / "departments.csv"
    path.write_bytes(DEPARTMENTS.encode(encoding))
    call_command("org_import_departments", str(path))
    assert Department.objects.get(code="hb").name == "生态环境分局"


def test_units_from_a_gbk_geojson(county, tmp_path):
    path = tmp_path / "units.geojson"
    path.write_bytes(json.dumps(UNITS, ensure_ascii=False).encode("gbk"))
    call_command("org_import_units", str(path))
    assert Unit.objects.get(code="stc").name == "丙派出所"
