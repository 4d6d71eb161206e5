"""Pages of the hot-spot module: the public map and the analysts' console.

Thin: a form validates, one service or selector runs, a template renders.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from jingmin.accounts.decorators import staff_required
from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import get_visible_or_404, has_role
from jingmin.core.csvsafe import safe_writer
from jingmin.core.exceptions import DomainError
from jingmin.core.geo_input import lonlat

from . import selectors, services
from .forms import AnalysisForm, CampaignForm, IncidentFilterForm
from .models import Analysis, Campaign

VIEW_ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.LEADER, Role.OFFICER)
ANALYSE_ROLES = (Role.ANALYST, Role.SUPERVISOR)
CAMPAIGN_ROLES = (Role.ANALYST, Role.SUPERVISOR, Role.LEADER)
# Literal calls, so that makemessages finds each name.
WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]
# CSV columns: the key in the result, the header a person reads in a spreadsheet.
CELL_COLUMNS = [
    ("row", gettext_lazy("行")),
    ("col", gettext_lazy("列")),
    ("count", gettext_lazy("计数")),
    ("z", gettext_lazy("Gi* z 值")),
    ("p", gettext_lazy("p 值")),
    ("p_fdr", gettext_lazy("p 值（FDR 校正）")),
    ("class", gettext_lazy("等级")),
]
CELL_CLASSES = {
    "hot_99": gettext_lazy("热点 99%"),
    "hot_95": gettext_lazy("热点 95%"),
    "hot_90": gettext_lazy("热点 90%"),
    "ns": gettext_lazy("不显著"),
    "cold_90": gettext_lazy("冷点 90%"),
    "cold_95": gettext_lazy("冷点 95%"),
    "cold_99": gettext_lazy("冷点 99%"),
}
KNOX_HEADER = [
    gettext_lazy("空间距离（米）"),
    gettext_lazy("时间间隔（天）"),
    gettext_lazy("观测"),
    gettext_lazy("期望"),
    gettext_lazy("观测/期望"),
    gettext_lazy("p 值"),
]
FORECAST_METHODS = {
    "naive": gettext_lazy("基准：近 12 个月计数"),
    "recent_kde": gettext_lazy("预测：近期加权 + 平滑"),
}
FORECAST_HEADER = [
    gettext_lazy("方法"),
    gettext_lazy("月份"),
    gettext_lazy("命中率"),
    gettext_lazy("PAI"),
]
# Map layers an analyst may download besides the CSV.
GEOJSON_EXPORTS = {
    "geojson": selectors.analysis_cells_geojson,
    "h3": selectors.analysis_h3_geojson,
    "kde": selectors.analysis_kde_geojson,
}


def _label(table: dict, code: str) -> str:
    return str(table.get(code, code))


def _map_config() -> dict:
    return {"tiles": settings.MAP_TILE_URL, "outlines": reverse("hotspots:outlines")}


# --- public -----------------------------------------------------------------------


@require_GET
def public_map(request):
    return render(
        request,
        "hotspots/public_map.html",
        {
            "types": selectors.incident_types(),
            "tips": selectors.hot_area_tips(),
            "min_count": selectors.public_min_count(),
            "map": _map_config(),
        },
    )


@require_GET
def public_cells(request):
    return JsonResponse(selectors.public_cells(request.GET.get("type") or None))


@require_GET
def public_tips(request):
    try:
        lon, lat = lonlat(request.GET.get("lon"), request.GET.get("lat"))
    except DomainError as exc:  # missing, text, nan/inf or out of range
        return JsonResponse({"error": str(exc)}, status=400)
    tips = selectors.tips_for_point(lon, lat)
    return JsonResponse({"tips": [t.__dict__ for t in tips]})


@require_GET
def outlines(request):
    """Station jurisdictions (public information) for map outlines."""
    return JsonResponse(selectors.jurisdictions_geojson())


# --- console --------------------------------------------------------------------------


@staff_required(*VIEW_ROLES)
def console(request):
    user = request.user
    return render(
        request,
        "hotspots/console.html",
        {
            "incident_count": selectors.incident_list(user).count(),
            "analyses": selectors.analysis_list(user)[:20],
            "campaigns": selectors.campaign_list(user)[:20],
            "form": AnalysisForm() if has_role(user, *ANALYSE_ROLES) else None,
            "may_campaign": has_role(user, *CAMPAIGN_ROLES),
        },
    )


@staff_required(*VIEW_ROLES)
def incident_list(request):
    form = IncidentFilterForm(request.GET or None)
    f = selectors.IncidentFilter()
    if form.is_valid():
        d = form.cleaned_data
        f = selectors.IncidentFilter(
            types=[d["type"].code] if d["type"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    page = Paginator(selectors.incident_list(request.user, f), 50).get_page(
        request.GET.get("page")
    )
    rows = [(i, selectors.incident_address(request.user, i)) for i in page.object_list]
    return render(
        request,
        "hotspots/incident_list.html",
        {"form": form, "page": page, "rows": rows},
    )


@require_POST
@staff_required(*ANALYSE_ROLES)
def analysis_new(request):
    form = AnalysisForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("参数有误：")
            + "；".join(
                f"{form.fields[k].label}：{' '.join(v)}"
                for k, v in form.errors.items()
                if k in form.fields
            ),
        )
        return redirect("hotspots:console")
    try:
        analysis = services.analysis_create(
            kind=form.cleaned_data["kind"], params=form.params(), actor=request.user
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("hotspots:console")
    return redirect("hotspots:analysis_detail", pk=analysis.pk)


def _analysis(request, pk) -> Analysis:
    return get_visible_or_404(
        request.user, Analysis.objects.select_related("unit"), pk=pk
    )


@staff_required(*VIEW_ROLES)
def analysis_detail(request, pk):
    analysis = _analysis(request, pk)
    result = analysis.result or {}
    hot = sorted(
        (c for c in result.get("cells", []) if c["class"].startswith("hot")),
        key=lambda c: -c["z"],
    )
    time = result.get("time") or {}
    return render(
        request,
        "hotspots/analysis_detail.html",
        {
            "analysis": analysis,
            "result": result,
            "class_labels": json.dumps(
                {code: str(label) for code, label in CELL_CLASSES.items()},
                ensure_ascii=False,
            ),
            "month_max": max((n for _m, n in time.get("months", [])), default=0),
            "hot_cells": [
                {**c, "label": _label(CELL_CLASSES, c["class"])} for c in hot[:50]
            ],
            "hour_rows": list(
                zip(
                    WEEKDAYS,
                    time.get("hour_weekday", []),
                    strict=False,
                )
            ),
            "knox_rows": list(
                zip(
                    result.get("space_bands", []),
                    result.get("ratio", []),
                    result.get("p", []),
                    result.get("observed", []),
                    strict=False,
                )
            ),
            "may_rerun": has_role(request.user, *ANALYSE_ROLES),
            "may_campaign": has_role(request.user, *CAMPAIGN_ROLES),
            "map": _map_config(),
        },
    )


@staff_required(*VIEW_ROLES)
def analysis_status(request, pk):
    a = _analysis(request, pk)
    return JsonResponse(
        {
            "status": a.status,
            "status_label": a.get_status_display(),
            "progress": a.progress,
            "message": a.message,
        }
    )


@staff_required(*VIEW_ROLES)
def analysis_cells(request, pk):
    return JsonResponse(selectors.analysis_cells_geojson(_analysis(request, pk)))


@staff_required(*VIEW_ROLES)
def analysis_export(request, pk, fmt):
    analysis = _analysis(request, pk)
    if fmt != "csv" and fmt not in GEOJSON_EXPORTS:
        return HttpResponse(status=404)
    name = f"analysis-{analysis.pk}"
    if fmt in GEOJSON_EXPORTS:
        body = json.dumps(GEOJSON_EXPORTS[fmt](analysis), ensure_ascii=False)
        resp = HttpResponse(body, content_type="application/geo+json")
        suffix = "" if fmt == "geojson" else f"-{fmt}"
        resp["Content-Disposition"] = f'attachment; filename="{name}{suffix}.geojson"'
        return resp
    resp = HttpResponse(content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    resp.write("\ufeff")  # so that a spreadsheet reads the headers as UTF-8
    writer = safe_writer(resp)
    result = analysis.result or {}
    if analysis.kind == Analysis.Kind.KNOX and result:
        writer.writerow([str(h) for h in KNOX_HEADER])
        for i, s in enumerate(result["space_bands"]):
            for j, t in enumerate(result["time_bands"]):
                writer.writerow(
                    [
                        s,
                        t,
                        result["observed"][i][j],
                        result["expected"][i][j],
                        result["ratio"][i][j],
                        result["p"][i][j],
                    ]
                )
    elif analysis.kind == Analysis.Kind.FORECAST and result:
        writer.writerow([str(h) for h in FORECAST_HEADER])
        for method, ev in result["results"].items():
            for m, h, p in zip(ev["months"], ev["hit_rate"], ev["pai"], strict=True):
                writer.writerow([_label(FORECAST_METHODS, method), m, h, p])
    else:
        writer.writerow([str(label) for _key, label in CELL_COLUMNS])
        for c in result.get("cells", []):
            writer.writerow(
                [
                    _label(CELL_CLASSES, c[key]) if key == "class" else c[key]
                    for key, _header in CELL_COLUMNS
                ]
            )
    return resp


@require_POST
@staff_required(*ANALYSE_ROLES)
def analysis_rerun(request, pk):
    analysis = _analysis(request, pk)
    try:
        services.analysis_rerun(analysis=analysis, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("hotspots:analysis_detail", pk=analysis.pk)


@staff_required(*CAMPAIGN_ROLES)
def campaign_new(request):
    initial = {}
    if request.method == "GET" and request.GET.get("analysis"):
        initial = {
            "analysis": request.GET["analysis"],
            "cells": ";".join(request.GET.getlist("cell")),
        }
        if request.user.unit_id:
            initial["units"] = [request.user.unit_id]
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            area = d["area"]
            source = None
            if d.get("analysis"):
                source = get_visible_or_404(
                    request.user, Analysis.objects.all(), pk=d["analysis"]
                )
                if not area:
                    area = services.cells_area(source, form.picked_cells())
            if not area:
                raise DomainError(_("请画出目标区域或选择热点网格"), field="area")
            campaign = services.campaign_create(
                data=services.CampaignInput(
                    name=d["name"],
                    area=area,
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    actions=d["actions"],
                    units=list(d["units"]),
                    incident_types=list(d["incident_types"]),
                    buffer_m=d["buffer_m"],
                    comparison_area=d["comparison_area"],
                    source_analysis=source,
                ),
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return redirect("hotspots:campaign_detail", pk=campaign.pk)
    return render(
        request, "hotspots/campaign_form.html", {"form": form, "map": _map_config()}
    )


def _campaign(request, pk) -> Campaign:
    return get_visible_or_404(
        request.user,
        Campaign.objects.prefetch_related("units", "incident_types"),
        pk=pk,
    )


@staff_required(*VIEW_ROLES)
def campaign_detail(request, pk):
    campaign = _campaign(request, pk)
    return render(
        request,
        "hotspots/campaign_detail.html",
        {
            "campaign": campaign,
            "ev": campaign.evaluation,
            "area_json": json.dumps(campaign.area),
            "may_evaluate": has_role(request.user, *CAMPAIGN_ROLES),
            "map": _map_config(),
        },
    )


@require_POST
@staff_required(*CAMPAIGN_ROLES)
def campaign_evaluate(request, pk):
    campaign = _campaign(request, pk)
    services.campaign_evaluate(campaign=campaign, actor=request.user)
    messages.success(request, _("评估已更新"))
    return redirect("hotspots:campaign_detail", pk=campaign.pk)


@staff_required(*VIEW_ROLES)
def campaign_area(request, pk):
    return JsonResponse(
        {"type": "Feature", "geometry": _campaign(request, pk).area, "properties": {}}
    )
