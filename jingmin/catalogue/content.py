"""The content of a guide: its fields, how staff type the structured ones, what
publishing requires, and how each field reads as text (for the diff and CSV).

A draft and a GuideVersion hold the same keys; a draft is a plain dict so it can
be half-finished, a version is complete (``publish_problems`` is empty).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingmin.core.exceptions import DomainError
from jingmin.core.text import normalize_text


@dataclass(frozen=True)
class Field:
    key: str
    label: Any
    kind: str = "text"  # text | int | date | list
    columns: tuple[str, ...] = ()
    required: bool = True
    required_if_handled_elsewhere: bool = True


FIELDS: list[Field] = [
    Field("name", gettext_lazy("事项名称")),
    Field("keywords", gettext_lazy("俗称/关键词"), required=False),
    Field("legal_basis", gettext_lazy("办事依据"), "list", ("law", "article")),
    Field("applicants", gettext_lazy("申请对象")),
    Field("conditions", gettext_lazy("办理条件")),
    Field(
        "materials",
        gettext_lazy("申请材料"),
        "list",
        ("name", "form", "count", "online"),
        required_if_handled_elsewhere=False,
    ),
    Field(
        "steps",
        gettext_lazy("办理程序"),
        "list",
        ("name", "where", "time"),
        required_if_handled_elsewhere=False,
    ),
    Field("result_document", gettext_lazy("办理结果")),
    Field("result_delivery", gettext_lazy("送达方式")),
    Field("time_promise_days", gettext_lazy("承诺时限（工作日）"), "int"),
    Field("fees", gettext_lazy("收费标准")),
    Field(
        "offices",
        gettext_lazy("办理地点和时间"),
        "list",
        ("unit", "hours"),
        required_if_handled_elsewhere=False,
    ),
    Field("max_visits", gettext_lazy("最多跑几次"), "int"),
    Field("complaint", gettext_lazy("投诉方法")),
    Field("accountability", gettext_lazy("责任追究")),
    Field(
        "faqs", gettext_lazy("常见问题"), "list", ("question", "answer"), required=False
    ),
    Field("change_summary", gettext_lazy("修改说明")),
    Field("effective_date", gettext_lazy("施行日期"), "date"),
]
FIELD_BY_KEY = {f.key: f for f in FIELDS}
LIST_FIELDS = [f.key for f in FIELDS if f.kind == "list"]

FORM_LABELS = {
    "original": gettext_lazy("原件"),
    "copy": gettext_lazy("复印件"),
    "both": gettext_lazy("原件及复印件"),
}
_FORM_WORDS = {
    "原件": "original",
    "original": "original",
    "复印件": "copy",
    "copy": "copy",
    "原件及复印件": "both",
    "原件和复印件": "both",
    "both": "both",
}
_YES = {"是", "可", "可以", "yes", "y", "true", "1", "可网上提交"}
_NO = {"否", "不可", "不可以", "no", "n", "false", "0", "", "不可网上提交"}


def field_error(key: str, message: str) -> DomainError:
    return DomainError(message, code="guide_invalid", field=key)


def _split(line: str) -> list[str]:
    return [part.strip() for part in normalize_text(line).split("|")]


def parse_lines(key: str, text: str) -> list[dict[str, Any]]:
    """Parse the one-item-per-line, ``|``-separated form text of a list field."""
    spec = FIELD_BY_KEY[key]
    items: list[dict[str, Any]] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = _split(raw)
        parts += [""] * (len(spec.columns) - len(parts))
        if len(parts) > len(spec.columns):
            raise field_error(
                key,
                _("%(field)s第%(n)d行：最多%(k)d栏，用“|”分隔")
                % {"field": spec.label, "n": number, "k": len(spec.columns)},
            )
        item = dict(zip(spec.columns, parts, strict=True))
        if not item[spec.columns[0]]:
            raise field_error(
                key,
                _("%(field)s第%(n)d行：第一栏不能为空")
                % {"field": spec.label, "n": number},
            )
        if key == "materials":
            item = _material(item, number)
        items.append(item)
    return items


def _material(item: dict[str, Any], number: int) -> dict[str, Any]:
    form = _FORM_WORDS.get((item["form"] or "原件").lower())
    if form is None:
        raise field_error(
            "materials",
            _("申请材料第%(n)d行：第二栏应为“原件”“复印件”或“原件及复印件”")
            % {"n": number},
        )
    try:
        count = int(item["count"] or 1)
    except ValueError:
        count = 0
    if count < 1:
        raise field_error(
            "materials",
            _("申请材料第%(n)d行：份数应为正整数") % {"n": number},
        )
    online = str(item["online"]).lower()
    if online not in _YES | _NO:
        raise field_error(
            "materials",
            _("申请材料第%(n)d行：第四栏（可否网上提交）应为“是”或“否”")
            % {"n": number},
        )
    return {
        "name": item["name"],
        "form": form,
        "count": count,
        "online": online in _YES,
    }


def format_lines(key: str, items: list[dict[str, Any]]) -> str:
    """The form text of a list field (inverse of ``parse_lines``)."""
    lines = []
    for item in items or []:
        if key == "materials":
            parts = [
                item["name"],
                str(FORM_LABELS[item["form"]]),
                str(item["count"]),
                "是" if item["online"] else "否",
            ]
        else:
            parts = [str(item.get(c, "")) for c in FIELD_BY_KEY[key].columns]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def check_values(content: dict[str, Any]) -> None:
    """Rules that hold for a draft too: refuse bad values, not missing ones."""
    promise = content.get("time_promise_days")
    if promise not in (None, "") and int(promise) <= 0:
        raise field_error(
            "time_promise_days",
            _("承诺时限应为大于0的工作日数（当前为%(days)s）") % {"days": promise},
        )
    visits = content.get("max_visits")
    if visits not in (None, "") and int(visits) < 0:
        raise field_error("max_visits", _("最多跑几次不能为负数"))
    seen: set[str] = set()
    for item in content.get("materials") or []:
        name = normalize_text(item["name"]).replace(" ", "")
        if name in seen:
            raise field_error(
                "materials",
                _("申请材料重复：“%(name)s”出现了不止一次") % {"name": item["name"]},
            )
        seen.add(name)
    questions: set[str] = set()
    for item in content.get("faqs") or []:
        if not item.get("answer"):
            raise field_error(
                "faqs",
                _("常见问题“%(q)s”缺少回答") % {"q": item["question"]},
            )
        if item["question"] in questions:
            raise field_error(
                "faqs", _("常见问题重复：“%(q)s”") % {"q": item["question"]}
            )
        questions.add(item["question"])


def _missing(value: Any) -> bool:
    return value in (None, "", [], {})


def publish_problems(content: dict[str, Any], *, handled_elsewhere: bool) -> list:
    """Every reason ``content`` cannot be published, one per missing part."""
    problems = []
    for spec in FIELDS:
        needed = spec.required and (
            spec.required_if_handled_elsewhere or not handled_elsewhere
        )
        if needed and _missing(content.get(spec.key)):
            problems.append((spec.key, _("缺少“%(field)s”") % {"field": spec.label}))
    for index, basis in enumerate(content.get("legal_basis") or [], start=1):
        if not basis.get("article"):
            problems.append(
                (
                    "legal_basis",
                    _("办事依据第%(n)d条“%(law)s”缺少条款")
                    % {"n": index, "law": basis.get("law", "")},
                )
            )
    for index, step in enumerate(content.get("steps") or [], start=1):
        if not step.get("where"):
            problems.append(
                (
                    "steps",
                    _("办理程序第%(n)d步“%(step)s”缺少办理地点")
                    % {"n": index, "step": step.get("name", "")},
                )
            )
    return problems


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    return dt.date.fromisoformat(str(value))


def as_text(key: str, value: Any) -> str:
    """One field as plain text, for the diff and the CSV export."""
    if key == "materials":
        return "\n".join(
            f"{m['name']}（{FORM_LABELS[m['form']]}{m['count']}份"
            f"{'，可网上提交' if m['online'] else ''}）"
            for m in value or []
        )
    if key == "offices":
        return "\n".join(
            "：".join(
                p
                for p in (
                    o.get("name") or o.get("unit"),
                    o.get("address", ""),
                    o.get("hours", ""),
                )
                if p
            )
            for o in value or []
        )
    if key in LIST_FIELDS:
        return format_lines(key, value)
    if value is None:
        return ""
    return str(value)
