import io
import json

import pytest
from django.core.management import CommandError, call_command

from jingmin.catalogue.models import Application

from .factories import published


def test_export_json_lists_every_field_with_version_and_effective_date(county):
    published("id-lost", county["admin"])
    out = io.StringIO()
    call_command("catalogue_export", "--format", "json", stdout=out)
    (record,) = json.loads(out.getvalue())
    assert record["code"] == "id-lost"
    assert record["version"] == 1
    assert record["effective_date"] == "2026-01-01"
    for key in [
        "name",
        "legal_basis",
        "applicants",
        "conditions",
        "materials",
        "steps",
        "result_document",
        "result_delivery",
        "time_promise_days",
        "fees",
        "offices",
        "max_visits",
        "complaint",
        "accountability",
        "faqs",
        "change_summary",
        "area",
        "handled_by",
    ]:
        assert key in record, key


def test_export_of_an_empty_catalogue_is_an_empty_list(db):
    out = io.StringIO()
    call_command("catalogue_export", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_import_applications_command(county, tmp_path):
    published("id-lost", county["admin"])
    good = tmp_path / "good.csv"
    good.write_text(
        "\ufeffservice,received,completed,unit\nid-lost,2026-02-12,2026-02-25,sta\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("catalogue_import_applications", str(good), stdout=out)
    assert "imported 1" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "service,received,completed,unit\nid-lost,2026-02-12,,sta\nnope,2026-02-12,,sta\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="第3行: service"):
        call_command("catalogue_import_applications", str(bad))
    assert Application.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("catalogue_import_applications", str(tmp_path / "missing.csv"))


def test_cli_resolves_group_and_verb():
    from jingmin.cli import resolve

    commands = {"catalogue_export", "catalogue_import_applications"}
    assert resolve(["catalogue", "export", "--format", "csv"], commands) == [
        "catalogue_export",
        "--format",
        "csv",
    ]
    assert resolve(["catalogue", "import-applications", "a.csv"], commands) == [
        "catalogue_import_applications",
        "a.csv",
    ]
