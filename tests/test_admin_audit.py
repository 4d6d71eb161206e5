"""Edits in the Django admin are in the audit trail (ADR 102): categories, units,
departments and their business areas (inline), the risk checklist edited in the
list, bulk deletes; values before and after, never a password."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from jingmin.appeals.models import Category
from jingmin.audit.admin_mixins import AuditedAdmin
from jingmin.audit.models import AuditEvent
from jingmin.audit.verification import verify_chain
from jingmin.org.models import BusinessArea, Department

pytestmark = pytest.mark.django_db

# Models whose admin changes configuration the platform acts on: each must audit.
AUDITED = {
    "appeals.category",
    "appeals.rateformula",
    "appeals.classifiermodel",
    "catalogue.disclosureitem",
    "org.bureau",
    "org.unit",
    "org.department",
    "org.businessarea",
    "mediation.riskfactor",
    "mediation.risklevel",
    "core.calendarday",
    "hotspots.incidenttype",
    "accounts.user",
}


def _form_data(model_admin, user, obj=None) -> dict:
    """What the admin's change form would post back unchanged (fields + inlines)."""
    request = RequestFactory().get("/")
    request.user = user
    form = model_admin.get_form(request, obj, change=obj is not None)(instance=obj)
    data: dict = {}

    def put(prefix: str, bound_form) -> None:
        for bf in bound_form:
            value = bf.value()
            name = f"{prefix}{bf.name}" if prefix else bf.html_name
            if value is None or value is False:
                continue
            if value is True:
                data[name] = "on"
            elif isinstance(value, list | tuple):
                data[name] = [str(v) for v in value]
            else:
                data[name] = str(value)

    put("", form)
    for formset_class, _inline in model_admin.get_formsets_with_inlines(request, obj):
        formset = formset_class(instance=obj)
        prefix = formset.prefix
        management = formset.management_form
        for bf in management:
            data[f"{prefix}-{bf.name}"] = str(bf.value())
        for i, row in enumerate(formset.initial_forms):
            put(f"{prefix}-{i}-", row)
    return data


def test_every_configuration_admin_is_audited():
    registered = {
        model._meta.label_lower: model_admin
        for model, model_admin in admin.site._registry.items()
    }
    missing = {
        label
        for label in AUDITED
        if not isinstance(registered.get(label), AuditedAdmin)
    }
    assert missing == set()


def test_category_change_is_audited_with_before_and_after(client_for, county):
    category = Category.objects.create(code="noise", name="噪音扰民", accept_hours=2)
    admin_user = county["admin"]
    model_admin = admin.site._registry[Category]
    data = _form_data(model_admin, admin_user, category)
    data.update(name="噪声扰民", accept_hours="1")
    response = client_for(admin_user).post(
        reverse("admin:appeals_category_change", args=[category.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="appeals.category_update")
    assert event.object_id == str(category.pk) and event.actor_id == admin_user.pk
    assert event.changes["fields"] == ["accept_hours", "name"], event.changes
    assert event.changes["values"]["name"] == ["噪音扰民", "噪声扰民"]
    assert event.changes["values"]["accept_hours"] == [2, 1]
    assert verify_chain().ok


def test_saving_unchanged_records_nothing(client_for, county):
    category = Category.objects.create(code="order", name="治安秩序")
    model_admin = admin.site._registry[Category]
    data = _form_data(model_admin, county["admin"], category)
    client_for(county["admin"]).post(
        reverse("admin:appeals_category_change", args=[category.pk]), data
    )
    assert not AuditEvent.objects.filter(action__startswith="appeals.category").exists()


def test_category_add_and_delete_are_audited(client_for, county):
    client = client_for(county["admin"])
    model_admin = admin.site._registry[Category]
    data = _form_data(model_admin, county["admin"])
    data.update(code="fraud", name="电信诈骗")
    response = client.post(reverse("admin:appeals_category_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    category = Category.objects.get(code="fraud")
    created = AuditEvent.objects.get(action="appeals.category_create")
    assert created.object_id == str(category.pk)
    assert created.changes["values"]["name"] == "电信诈骗"
    response = client.post(
        reverse("admin:appeals_category_delete", args=[category.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="appeals.category_delete")
    assert deleted.object_id == str(category.pk)
    assert verify_chain().ok


def test_bulk_delete_records_each_object(client_for, county):
    ids = [Category.objects.create(code=f"c{i}", name=f"类别{i}").pk for i in range(3)]
    response = client_for(county["admin"]).post(
        reverse("admin:appeals_category_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="appeals.category_delete")
    assert sorted(int(e.object_id) for e in events) == sorted(ids)


def test_department_inline_business_areas_are_audited(client_for, county):
    department = Department.objects.filter(business_areas__isnull=False).first()
    if department is None:
        department = county["depta"]
        BusinessArea.objects.create(
            code="zz-area", name="占道经营", department=department
        )
    model_admin = admin.site._registry[Department]
    data = _form_data(model_admin, county["admin"], department)
    prefix = next(k for k in data if k.endswith("-TOTAL_FORMS")).rsplit("-", 1)[0]
    area = department.business_areas.order_by("pk").first()
    rows = int(data[f"{prefix}-TOTAL_FORMS"])
    index = next(i for i in range(rows) if data.get(f"{prefix}-{i}-id") == str(area.pk))
    data[f"{prefix}-{index}-name"] = "占道经营（含夜市）"
    data[f"{prefix}-{rows}-code"] = "new-area"
    data[f"{prefix}-{rows}-name"] = "违章搭建"
    data[f"{prefix}-TOTAL_FORMS"] = str(rows + 1)
    response = client_for(county["admin"]).post(
        reverse("admin:org_department_change", args=[department.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    changed = AuditEvent.objects.get(action="org.businessarea_update")
    assert changed.object_id == str(area.pk)
    assert changed.changes["values"]["name"][1] == "占道经营（含夜市）"
    added = AuditEvent.objects.get(action="org.businessarea_create")
    assert added.object_id == str(BusinessArea.objects.get(code="new-area").pk)


def test_risk_checklist_edited_in_the_list_is_audited(client_for, county):
    from jingmin.mediation.models import RiskFactor

    factor = RiskFactor.objects.order_by("pk").first()
    factors = list(RiskFactor.objects.order_by("-weight", "code"))
    data = {
        "form-TOTAL_FORMS": str(len(factors)),
        "form-INITIAL_FORMS": str(len(factors)),
        "_save": "保存",
    }
    for i, f in enumerate(factors):
        data[f"form-{i}-id"] = str(f.pk)
        data[f"form-{i}-weight"] = str(f.weight + 5 if f.pk == factor.pk else f.weight)
        data[f"form-{i}-param"] = "" if f.param is None else str(f.param)
        if f.is_active:
            data[f"form-{i}-is_active"] = "on"
    response = client_for(county["admin"]).post(
        reverse("admin:mediation_riskfactor_changelist"), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = AuditEvent.objects.get(action="mediation.riskfactor_update")
    assert event.object_id == str(factor.pk)
    assert event.changes["values"]["weight"] == [factor.weight, factor.weight + 5]


def test_passwords_never_reach_the_trail(client_for, county):
    from jingmin.accounts.models import User

    response = client_for(county["admin"]).post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newclerk",
            "password1": "Correct-Horse-Battery-9",
            "password2": "Correct-Horse-Battery-9",
            "role": "operator",
            "display_name": "新接线员",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newclerk")
    event = AuditEvent.objects.get(action="accounts.user_create")
    assert event.object_id == str(user.pk)
    assert "Correct-Horse-Battery-9" not in str(event.changes)
    assert event.changes["values"]["role"] == "operator"
