"""`jingmin catalogue import-applications` reads a GBK file."""

from django.core.management import call_command

from jingmin.catalogue.models import Application

from .factories import published


def test_gbk_applications_import(county, tmp_path):
    published("id-lost", county["admin"])
    text = "service,received,completed,unit\nid-lost,2026-02-12,2026-02-25,%s\n"
    path = tmp_path / "applications.csv"
    path.write_bytes((text % county.sta.name).encode("gbk"))  # a unit may be named
    call_command("catalogue_import_applications", str(path))
    assert Application.objects.get().unit == county.sta
