"""Writes of the hot-spot module. Each service: one transaction, one audit event.

Analyses are computed by the background task ``tasks.analysis_run`` after the
transaction that queued them commits; the CLI and tests run it inline.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.audit.services import event_record
from jingmin.core.csvread import require_file
from jingmin.core.exceptions import DomainError, ImportFailed, NotPermitted
from jingmin.core.geo import geometry_from_geojson
from jingmin.org.models import Unit

from . import evaluation, importer, runner
from .models import Analysis, Campaign, Incident, IncidentType
from .selectors import IncidentFilter, incident_arrays, incidents_filtered

logger = logging.getLogger(__name__)
ANALYSE_ROLES = frozenset({Role.ANALYST, Role.SUPERVISOR})
KNOX_MAX_INCIDENTS = 50_000


# --- incidents ----------------------------------------------------------------


@dataclass
class ImportReport:
    batch: str
    created: int


def incident_import(
    *,
    path: str | Path,
    actor: Any = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Validate the whole file, then insert it; nothing is written if any row is bad."""
    path = require_file(path)
    step = (
        (lambda phase: lambda done, total: progress(phase, done, total))
        if progress
        else (lambda phase: None)
    )
    try:
        plan = importer.validate(path, progress=step(_("校验")))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_("无法读取文件：%(e)s") % {"e": exc}, field="file") from exc
    if plan.error_count:
        raise ImportFailed(
            _(
                "%(n)s 处错误，没有导入任何警情（共 %(rows)s 行有效）。以下列出前 %(k)s 处："
            )
            % {"n": plan.error_count, "rows": plan.rows, "k": len(plan.errors)},
            plan.errors,
        )
    if plan.rows == 0:
        raise DomainError(_("文件里没有警情"), field="file")
    batch = timezone.localtime().strftime("%Y%m%d%H%M%S-") + uuid.uuid4().hex[:6]
    with transaction.atomic():
        created = importer.insert(path, batch_id=batch, progress=step(_("导入")))
        event_record(
            actor=actor,
            actor_label="" if actor else "cli",
            action="hotspots.incident_import",
            object_type="hotspots.incident",
            object_id=batch,
            changes={"file": path.name, "rows": created},
        )
    return ImportReport(batch=batch, created=created)


@transaction.atomic
def incident_create(*, data: dict[str, Any], actor: Any) -> Incident:
    """Record one incident (console or API); the same checks as an import row."""
    validator = importer.Validator()
    row, errors = validator.row(1, data)
    if row is not None:
        bad = validator.place([row])
        errors = list(bad.values())
    if errors:
        field, message = errors[0]
        raise DomainError(message, field=field)
    if (
        scoping.has_role(actor, Role.OFFICER, Role.LEADER)
        and row.unit_id != actor.unit_id
    ):
        raise NotPermitted(_("只能录入本单位辖区的警情"))
    incident = Incident.objects.create(
        type_id=row.type_id,
        occurred_from=row.start,
        occurred_to=row.end,
        lon=row.lon,
        lat=row.lat,
        address=row.address,
        unit_id=row.unit_id,
        source=Incident.Source.MANUAL,
    )
    event_record(
        actor=actor,
        action="hotspots.incident_create",
        obj=incident,
        changes={"type": incident.type_id, "unit": incident.unit_id},
    )
    return incident


# --- analyses -------------------------------------------------------------------

KIND_DEFAULTS: dict[str, dict[str, Any]] = {
    Analysis.Kind.HOTSPOT: {"cell": 250, "neighbourhood": "queen", "fdr": True},
    Analysis.Kind.KNOX: {
        "space_bands": [100, 200, 300, 400],
        "time_bands": [7, 14, 21, 28],
        "permutations": 99,
        "convention": "standard",
        "metric": "manhattan",
    },
    Analysis.Kind.FORECAST: {"cell": 250, "coverage": 0.02, "held_out": 12},
}


def _clean_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    if kind not in KIND_DEFAULTS:
        raise DomainError(_("未知的分析类型"), field="kind")
    out = {
        **KIND_DEFAULTS[kind],
        **{k: v for k, v in params.items() if v not in (None, "", [])},
    }
    codes = out.get("types") or []
    known = set(
        IncidentType.objects.filter(code__in=codes).values_list("code", flat=True)
    )
    if unknown := sorted(set(codes) - known):
        raise DomainError(
            _("未知的警情类型：%(t)s") % {"t": "、".join(unknown)}, field="types"
        )
    for key in ("date_from", "date_to"):
        if isinstance(out.get(key), dt.date):
            out[key] = out[key].isoformat()
    if (
        out.get("date_from")
        and out.get("date_to")
        and out["date_from"] > out["date_to"]
    ):
        raise DomainError(_("开始日期晚于结束日期"), field="date_from")
    if "cell" in out:
        out["cell"] = float(out["cell"])
        county = importer.county_area()
        if county is not None:
            runner.frame(None, None, out["cell"], county)  # refuses a too-small cell
    if kind == Analysis.Kind.HOTSPOT:
        runner.parse_neighbourhood(out["neighbourhood"])
    return out


def _title(kind: str, params: dict[str, Any]) -> str:
    names = list(
        IncidentType.objects.filter(code__in=params.get("types") or []).values_list(
            "name", flat=True
        )
    )
    what = "、".join(names) or _("全部类型")
    span = f"{params.get('date_from') or '…'}～{params.get('date_to') or '…'}"
    return f"{Analysis.Kind(kind).label.split('（')[0]} · {what} · {span}"[:120]


def _enqueue(analysis_id: int) -> None:
    from .tasks import analysis_run

    analysis_run.enqueue(analysis_id)


@transaction.atomic
def analysis_create(
    *, kind: str, params: dict[str, Any], actor: Any, unit: Unit | None = None
) -> Analysis:
    if not scoping.has_role(actor, *ANALYSE_ROLES) and actor is not None:
        raise NotPermitted(_("只有情报分析员和指挥中心可以发起分析"))
    clean = _clean_params(kind, params)
    analysis = Analysis.objects.create(
        kind=kind,
        title=_title(kind, clean),
        params=clean,
        unit=unit,
        created_by=actor if actor else None,
    )
    event_record(
        actor=actor,
        actor_label="" if actor else "cli",
        action="hotspots.analysis_create",
        obj=analysis,
        changes={"kind": kind, "params": clean},
    )
    transaction.on_commit(lambda: _enqueue(analysis.pk))
    return analysis


@transaction.atomic
def analysis_rerun(*, analysis: Analysis, actor: Any) -> Analysis:
    if not scoping.has_role(actor, *ANALYSE_ROLES):
        raise NotPermitted(_("只有情报分析员和指挥中心可以重新运行分析"))
    analysis = Analysis.objects.select_for_update().get(pk=analysis.pk)
    if analysis.status in (Analysis.Status.QUEUED, Analysis.Status.RUNNING):
        raise DomainError(_("分析正在排队或运行，请稍后再试"), code="busy")
    analysis.status = Analysis.Status.QUEUED
    analysis.progress = 0
    analysis.message = ""
    analysis.save(update_fields=["status", "progress", "message"])
    event_record(
        actor=actor,
        action="hotspots.analysis_rerun",
        obj=analysis,
        changes={"runs": analysis.runs},
    )
    transaction.on_commit(lambda: _enqueue(analysis.pk))
    return analysis


def _filter_for(analysis: Analysis) -> IncidentFilter:
    p = analysis.params
    return IncidentFilter(
        types=p.get("types") or None,
        date_from=dt.date.fromisoformat(p["date_from"]) if p.get("date_from") else None,
        date_to=dt.date.fromisoformat(p["date_to"]) if p.get("date_to") else None,
        unit_id=analysis.unit_id,
    )


def compute(
    analysis: Analysis, progress: Callable[[float], None] | None = None
) -> dict[str, Any]:
    """The result of an analysis on the stored incidents (pure read; no writes)."""
    p = analysis.params
    qs = incidents_filtered(Incident.objects.all(), _filter_for(analysis))
    lon, lat, starts, ends = incident_arrays(qs)
    area = importer.county_area()
    if analysis.unit_id and analysis.unit and analysis.unit.jurisdiction:
        area = geometry_from_geojson(analysis.unit.jurisdiction)
    if analysis.kind == Analysis.Kind.HOTSPOT:
        return runner.hotspot(
            lon,
            lat,
            starts,
            ends,
            cell=p["cell"],
            neighbourhood=p["neighbourhood"],
            area=area,
            fdr=p.get("fdr", True),
            progress=progress,
        )
    if analysis.kind == Analysis.Kind.KNOX:
        if lon.size > KNOX_MAX_INCIDENTS:
            raise DomainError(
                _("近重复分析最多 %(n)s 起警情，请缩小范围") % {"n": KNOX_MAX_INCIDENTS}
            )
        return runner.knox_result(
            lon,
            lat,
            [s.date().toordinal() for s in starts],
            space_bands=p["space_bands"],
            time_bands=p["time_bands"],
            permutations=int(p["permutations"]),
            convention=p["convention"],
            metric=p.get("metric", "manhattan"),
            seed=analysis.pk,
            progress=progress,
        )
    return runner.forecast_result(
        lon,
        lat,
        [s.date() for s in starts],
        cell=p["cell"],
        coverage=float(p["coverage"]),
        held_out=int(p["held_out"]),
        area=area,
        progress=progress,
    )


def analysis_execute(analysis_id: int) -> str:
    """Run a queued analysis, recording progress and the outcome (called by the task)."""
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        if analysis.status != Analysis.Status.QUEUED:
            return analysis.status
        analysis.status = Analysis.Status.RUNNING
        analysis.started_at = timezone.now()
        analysis.save(update_fields=["status", "started_at"])

    def progress(fraction: float) -> None:
        Analysis.objects.filter(pk=analysis_id).update(
            progress=min(99, int(fraction * 100))
        )

    try:
        result, status, message = compute(analysis, progress), Analysis.Status.DONE, ""
    except DomainError as exc:
        result, status, message = None, Analysis.Status.FAILED, str(exc)
    except Exception as exc:  # a bug must not leave the analysis "running" for ever
        logger.exception("analysis %s failed", analysis_id)
        result, status, message = (
            None,
            Analysis.Status.FAILED,
            _("分析出错（%(e)s），请联系管理员。") % {"e": type(exc).__name__},
        )
    try:
        _finish(analysis_id, result, status, message)
    except (
        DatabaseError,
        ValueError,
        TypeError,
    ):  # e.g. a result the database will not store
        logger.exception("analysis %s: result not stored", analysis_id)
        status = Analysis.Status.FAILED
        _finish(analysis_id, None, status, _("结果无法保存，请联系管理员。"))
    return status


def _finish(analysis_id: int, result: dict | None, status: str, message: str) -> None:
    with transaction.atomic():
        analysis = Analysis.objects.select_for_update().get(pk=analysis_id)
        analysis.result = result
        analysis.status = status
        analysis.message = message
        analysis.progress = 100
        analysis.runs += 1
        analysis.finished_at = timezone.now()
        analysis.save(
            update_fields=[
                "result",
                "status",
                "message",
                "progress",
                "runs",
                "finished_at",
            ]
        )
        event_record(
            actor=None,
            actor_label="system",
            action="hotspots.analysis_finish",
            obj=analysis,
            changes={"status": status, "run": analysis.runs},
        )


# --- campaigns ------------------------------------------------------------------


@dataclass
class CampaignInput:
    name: str
    area: dict
    starts_on: dt.date
    ends_on: dt.date
    actions: str
    units: list[Unit]
    incident_types: list[IncidentType]
    buffer_m: int = 500
    comparison_area: dict | None = None
    source_analysis: Analysis | None = None


def _check_area(value: dict | None, field: str) -> None:
    if value is None:
        return
    try:
        geom = geometry_from_geojson(value)
    except ValueError as exc:
        raise DomainError(
            _("区域不是有效的 GeoJSON 多边形：%(e)s") % {"e": exc}, field=field
        ) from exc
    county = importer.county_area()
    if county is not None and not county.intersects(geom):
        raise DomainError(_("区域不在本县范围内"), field=field)


def cells_area(analysis: Analysis, cells: list[tuple[int, int]]) -> dict:
    """The union of picked grid cells of an analysis, as a GeoJSON (Multi)Polygon."""
    import numpy as np

    if not cells or not (analysis.result or {}).get("params", {}).get("grid"):
        raise DomainError(_("请至少选择一个网格"), field="cells")
    rings = runner.cell_polygon_lonlat(
        analysis.result["params"],
        np.array([r for r, _c in cells]),
        np.array([c for _r, c in cells]),
    )
    union = shapely.union_all([shapely.Polygon(r) for r in rings])
    return shapely.geometry.mapping(union.buffer(0))


@transaction.atomic
def campaign_create(*, data: CampaignInput, actor: Any) -> Campaign:
    if not scoping.has_role(actor, Role.ANALYST, Role.SUPERVISOR, Role.LEADER):
        raise NotPermitted(_("只有情报分析员、指挥中心和所领导可以建立整治行动"))
    if data.ends_on < data.starts_on:
        raise DomainError(_("结束日期早于开始日期"), field="ends_on")
    if not data.units:
        raise DomainError(_("请至少选择一个参与单位"), field="units")
    if actor.role == Role.LEADER and any(u.pk != actor.unit_id for u in data.units):
        raise NotPermitted(_("所领导只能以本单位建立整治行动"))
    _check_area(data.area, "area")
    _check_area(data.comparison_area, "comparison_area")
    if not (0 <= data.buffer_m <= 5000):
        raise DomainError(_("缓冲区宽度须在 0–5000 米之间"), field="buffer_m")
    campaign = Campaign.objects.create(
        name=data.name,
        area=data.area,
        comparison_area=data.comparison_area,
        buffer_m=data.buffer_m,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        actions=data.actions,
        source_analysis=data.source_analysis,
        created_by=actor,
    )
    campaign.units.set(data.units)
    campaign.incident_types.set(data.incident_types)
    event_record(
        actor=actor,
        action="hotspots.campaign_create",
        obj=campaign,
        changes={
            "name": data.name,
            "period": [str(data.starts_on), str(data.ends_on)],
            "units": [u.code for u in data.units],
        },
    )
    return campaign


def campaign_compute(
    campaign: Campaign, today: dt.date | None = None
) -> dict[str, Any]:
    today = today or timezone.localdate()
    per = evaluation.periods(campaign.starts_on, campaign.ends_on, today)
    last = max(r[1] for r in per.values() if r is not None)
    types = [t.code for t in campaign.incident_types.all()]
    qs = incidents_filtered(
        Incident.objects.all(),
        IncidentFilter(types=types or None, date_from=per["before"][0], date_to=last),
    )
    lon, lat, starts, _ends = incident_arrays(qs)
    return evaluation.evaluate(
        area=campaign.area,
        comparison=campaign.comparison_area,
        county=importer.county_area(),
        buffer_m=campaign.buffer_m,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        today=today,
        lon=lon,
        lat=lat,
        dates=[s.date() for s in starts],
    )


@transaction.atomic
def campaign_evaluate(
    *, campaign: Campaign, actor: Any, today: dt.date | None = None
) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    campaign.evaluation = campaign_compute(campaign, today)
    campaign.evaluated_at = timezone.now()
    campaign.save(update_fields=["evaluation", "evaluated_at"])
    event_record(
        actor=actor,
        actor_label="" if actor else "cli",
        action="hotspots.campaign_evaluate",
        obj=campaign,
        changes={"counts": campaign.evaluation["counts"]},
    )
    return campaign
