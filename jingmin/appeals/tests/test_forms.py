"""Every visible field of the appeals forms carries a translatable label: a field
without one shows Django's English name ("Decision", "Approve") on the Chinese page."""

import inspect

import pytest
from django import forms
from django.utils import translation

from jingmin.appeals import forms as appeal_forms
from jingmin.appeals.forms import ApproveForm, DecideForm


def _form_classes():
    for _name, cls in inspect.getmembers(appeal_forms, inspect.isclass):
        if issubclass(cls, forms.BaseForm) and cls.__module__ == appeal_forms.__name__:
            yield cls


@pytest.mark.parametrize("cls", list(_form_classes()), ids=lambda c: c.__name__)
def test_every_visible_field_has_an_explicit_label(cls):
    for name, field in cls.base_fields.items():
        if field.widget.is_hidden:
            continue
        assert field.label, f"{cls.__name__}.{name} has no label"


def test_decision_labels_are_chinese_on_the_chinese_page():
    with translation.override("zh-hans"):
        approve = ApproveForm()["decision"].label_tag()
        decide = DecideForm()["approve"].label_tag()
    assert "审批结果" in approve and "Decision" not in approve
    assert "审批结果" in decide and "Approve" not in decide
