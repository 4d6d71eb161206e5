"""The access-control matrix (ASVS 5.0 8.2.1–8.2.3, 8.4.1; 等保 访问控制 a/d).

Every URL pattern of the project is declared in TABLE with who may use it. The
test requests each one as every persona of the county fixture (one per role, in
station/department A or B) and as an anonymous visitor, and checks the outcome:

  allow  - the view did its work (2xx/3xx, or a 4xx that is not 401/403/404)
  deny   - 403 (wrong role)
  hide   - 404 (right role, but the object is outside the persona's unit or
           department, so its existence is not even confirmed)
  login  - anonymous: redirect to the login page (HTML) or 401/403 (API)

Object URLs are built from objects that belong to station A and are forwarded to
department A, so officer_a/leader_a/liaison_a are "inside" and the _b personas
"outside". A pattern that is missing from TABLE fails `test_every_url_is_declared`:
add it with the roles that may use it (and the objects it needs).

Set MATRIX_PRINT=1 to print the observed matrix while writing new rows.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jingmin.accounts.roles import Role
from jingmin.core.uploads import image_clean

from .test_security_headers import HANDLER_ATTR, INLINE_SCRIPT, STYLE_ATTR, STYLE_BLOCK

PERSONAS = [
    "operator",
    "officer_a",
    "officer_b",
    "leader_a",
    "leader_b",
    "supervisor",
    "liaison_a",
    "liaison_b",
    "analyst",
    "admin",
    "auditor",
]
ANON = "anonymous"
ROLE_OF = {p: p.split("_")[0] for p in PERSONAS}

# Explicitly outside the matrix: Django's own admin (its own permission system,
# staff flag + model permissions), static files, language switch and JS catalogue.
SKIPPED_PREFIXES = ("admin/", "static/", "i18n/", "jsi18n/", "^media/")

PUBLIC = "public"
ALL_STAFF = frozenset(Role.values)


@dataclass(frozen=True)
class Case:
    """One object to request the URL for, and the personas whose scope includes it."""

    kwargs: Callable[[dict[str, Any]], dict[str, Any]]
    sees: frozenset[str] | None = None
    label: str = ""


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str] | str
    """Roles that may use the URL, or PUBLIC."""
    cases: tuple[Case, ...] = (Case(lambda o: {}),)
    """Objects to try. An allowed role whose persona is not in ``sees`` gets 404."""
    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)
    workflow: bool = False
    """True for workflow actions: inside its scope a persona may still get 403
    from the workflow table (tested in the app's own tests); the matrix then
    asserts scope only (outside → 404, wrong role → 403)."""
    public_outcome: str = "allow"
    """For PUBLIC rules: what everybody gets (e.g. "hide" for a lookup of an id
    that does not exist; it proves no one gets more than anyone else)."""


def _cases(kwargs, sees) -> tuple[Case, ...]:
    if isinstance(kwargs, tuple):
        return kwargs
    return (Case(kwargs or (lambda o: {}), frozenset(sees) if sees else None),)


def public(kwargs=None, *, outcome: str = "allow", **kw) -> Rule:
    return Rule(PUBLIC, cases=_cases(kwargs, None), public_outcome=outcome, **kw)


def staff(*roles: str, kwargs=None, sees=None, **kw) -> Rule:
    return Rule(
        frozenset(roles) if roles else ALL_STAFF, cases=_cases(kwargs, sees), **kw
    )


def guide(o):
    return {"code": o["guide"].code}


# Appeals: the global roles are supervisor and operator (APPEAL_SCOPE).
APPEAL_LIST = (Role.OPERATOR, Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.LIAISON)
APPEAL_CASES = (
    Case(
        lambda o: {"pk": o["appeal_a"].pk},
        frozenset({"officer_a", "leader_a", "supervisor", "operator"}),
        "station A, not forwarded",
    ),
    Case(
        lambda o: {"pk": o["appeal_fwd"].pk},
        frozenset({"liaison_a", "supervisor", "operator"}),
        "forwarded to department A",
    ),
)


# Mediation: officers and leaders of the handling unit; supervisor sees all.
MEDIATION = (Role.OFFICER, Role.LEADER, Role.SUPERVISOR)
IN_A = frozenset({"officer_a", "leader_a", "supervisor"})


def dispute(**extra):
    def kwargs(o):
        return {"pk": o["dispute"].pk, **{k: f(o) for k, f in extra.items()}}

    return kwargs


def mediation_action(**extra) -> Rule:
    return staff(
        *MEDIATION, kwargs=dispute(**extra), sees=IN_A, method="POST", workflow=True
    )


# Hot spots: analysts and the supervisor see everything, officers and leaders
# their unit's incidents/analyses and the campaigns their unit takes part in.
HOT_VIEW = (Role.ANALYST, Role.SUPERVISOR, Role.LEADER, Role.OFFICER)
HOT_ANALYSE = (Role.ANALYST, Role.SUPERVISOR)
HOT_CAMPAIGN = (Role.ANALYST, Role.SUPERVISOR, Role.LEADER)
HOT_SEES = frozenset({"officer_a", "leader_a", "analyst", "supervisor"})


def obj(key: str, **extra):
    def kwargs(o):
        return {"pk": o[key].pk, **extra}

    return kwargs


# --------------------------------------------------------------------------- TABLE
TABLE: dict[str, Rule] = {
    # portal and accounts
    "portal:home": public(),
    "portal:console": staff(),
    "portal:language": public(),  # the language switch, a link for everybody (ADR 121)
    "accounts:login": public(),
    "accounts:logout": public(method="POST"),
    "accounts:otp_setup": staff(),
    "accounts:otp_disable": staff(method="POST"),
    # catalogue (办事指南): public pages
    "catalogue:guide_list": public(),
    "catalogue:feed": public(),
    "catalogue:open_data_json": public(),
    "catalogue:open_data_csv": public(),
    "catalogue:disclosure": public(),
    "catalogue:promise_stats": public(),
    "catalogue:appointment_book": public(),
    "catalogue:appointment_cancel": public(),
    "catalogue:guide_detail": public(kwargs=guide),
    "catalogue:guide_history": public(kwargs=guide),
    "catalogue:guide_diff": public(kwargs=guide),
    "catalogue:guide_version": public(kwargs=lambda o: {**guide(o), "number": 1}),
    # catalogue console
    "catalogue:console": staff(Role.ADMIN, Role.SUPERVISOR, Role.LEADER, Role.OFFICER),
    "catalogue:console_guide_new": staff(Role.ADMIN, Role.SUPERVISOR),
    "catalogue:console_guide_edit": staff(Role.ADMIN, Role.SUPERVISOR, kwargs=guide),
    "catalogue:console_application_new": staff(
        Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN
    ),
    "catalogue:console_application_import": staff(Role.SUPERVISOR, Role.ADMIN),
    "catalogue:console_promise_stats": staff(Role.ADMIN, Role.SUPERVISOR, Role.LEADER),
    "catalogue:console_appointments": staff(Role.OFFICER, Role.LEADER, Role.SUPERVISOR),
    # Open311 GeoReport v2: a public standard API (api_key for writes, tested in open311)
    "open311:discovery_page": public(),
    "open311:discovery_bare": public(),
    "open311:discovery": public(kwargs=lambda o: {"fmt": "json"}),
    "open311:services": public(kwargs=lambda o: {"fmt": "json"}),
    "open311:service_definition": public(
        kwargs=lambda o: {"code": "no-such-service", "fmt": "json"}, outcome="hide"
    ),
    "open311:requests": public(kwargs=lambda o: {"fmt": "json"}),
    "open311:request_detail": public(
        kwargs=lambda o: {"number": "x", "fmt": "json"}, outcome="hide"
    ),
    "open311:token": public(
        kwargs=lambda o: {"token": "x", "fmt": "json"}, outcome="hide"
    ),
    "open311:openapi": public(),
    "open311:unknown": public(outcome="hide"),
    # REST API /api/v1/
    "api-schema": public(),
    "api-docs": public(),
    "api-redoc": public(),
    "unit-list": staff(),
    "unit-detail": staff(kwargs=lambda o: {"code": o["county"].sta.code}),
    "department-list": staff(),
    "department-detail": staff(kwargs=lambda o: {"code": o["county"].depta.code}),
    "service-token-list": staff(Role.ADMIN),
    "service-token-detail": staff(Role.ADMIN, kwargs=lambda o: {"pk": o["token"].pk}),
    "service-token-revoke": staff(
        Role.ADMIN, method="POST", kwargs=lambda o: {"pk": o["token"].pk}
    ),
    "webhook-list": staff(Role.ADMIN, Role.LIAISON),
    "webhook-detail": staff(
        Role.ADMIN,
        Role.LIAISON,
        sees={"liaison_a", "admin"},
        kwargs=lambda o: {"pk": o["webhook"].pk},
    ),
    "webhook-deliveries": staff(
        Role.ADMIN,
        Role.LIAISON,
        sees={"liaison_a", "admin"},
        kwargs=lambda o: {"pk": o["webhook"].pk},
    ),
    "webhook-revoke": staff(
        Role.ADMIN,
        Role.LIAISON,
        sees={"liaison_a", "admin"},
        method="POST",
        kwargs=lambda o: {"pk": o["webhook"].pk},
    ),
    "catalogue-guide-list": public(),
    "catalogue-guide-detail": public(kwargs=guide),
    "catalogue-application-list": staff(
        Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN
    ),
    "catalogue-application-detail": staff(
        Role.OFFICER,
        Role.LEADER,
        Role.SUPERVISOR,
        Role.ADMIN,
        sees={"officer_a", "leader_a", "supervisor", "admin"},
        kwargs=lambda o: {"pk": o["application"].pk},
    ),
    # appeals (诉求): citizen pages; the tracking code itself is tested in
    # tests/test_tracking_codes.py
    "appeals:submit": public(),
    "appeals:submitted": public(),
    "appeals:track": public(),
    "appeals:rate": public(method="POST"),
    "appeals:provide_info": public(method="POST"),
    "appeals:public_results": public(),
    # appeals console
    "appeals:console_list": staff(*APPEAL_LIST),
    "appeals:triage": staff(Role.OPERATOR, Role.SUPERVISOR),
    "appeals:intake": staff(Role.OPERATOR, Role.SUPERVISOR),
    "appeals:dashboard": staff(Role.LEADER, Role.SUPERVISOR, Role.ANALYST),
    "appeals:publish": staff(Role.SUPERVISOR, method="POST"),
    "appeals:problem": staff(Role.SUPERVISOR, Role.LEADER, method="POST"),
    "appeals:console_detail": staff(*APPEAL_LIST, kwargs=APPEAL_CASES),
    "appeals:reveal_contact": staff(*APPEAL_LIST, kwargs=APPEAL_CASES, method="POST"),
    "appeals:act": staff(
        *APPEAL_LIST,
        kwargs=tuple(
            Case(lambda o, c=c: {**c.kwargs(o), "action": "accept"}, c.sees, c.label)
            for c in APPEAL_CASES
        ),
        method="POST",
        workflow=True,
    ),
    # mediation (矛盾纠纷调解)
    "mediation:dispute_list": staff(*MEDIATION),
    "mediation:dispute_register": staff(*MEDIATION),
    "mediation:followups": staff(*MEDIATION),
    "mediation:notifications": staff(*MEDIATION),
    "mediation:rules": staff(*MEDIATION),
    "mediation:stats": staff(*MEDIATION),
    "mediation:warnings": staff(Role.LEADER, Role.SUPERVISOR),
    "mediation:dispute_detail": staff(*MEDIATION, kwargs=dispute(), sees=IN_A),
    "mediation:session_add": staff(*MEDIATION, kwargs=dispute(), sees=IN_A),
    "mediation:agreement_add": staff(*MEDIATION, kwargs=dispute(), sees=IN_A),
    "mediation:referral_add": staff(*MEDIATION, kwargs=dispute(), sees=IN_A),
    "mediation:agreement_print": staff(
        *MEDIATION,
        kwargs=dispute(agreement_id=lambda o: o["agreement"].pk),
        sees=IN_A,
    ),
    "mediation:dispute_checklist": mediation_action(),
    "mediation:dispute_override": mediation_action(),
    "mediation:party_add": mediation_action(),
    "mediation:party_flag": mediation_action(party_id=lambda o: o["party"].pk),
    "mediation:followup_add": mediation_action(),
    "mediation:followup_done": mediation_action(followup_id=lambda o: o["followup"].pk),
    "mediation:dispute_close": mediation_action(),
    "mediation:dispute_reopen": mediation_action(),
    "mediation:dispute_escalate": mediation_action(),
    "mediation:dispute_from_appeal": staff(
        *MEDIATION,
        kwargs=lambda o: {"appeal_id": o["appeal_a"].pk},
        sees=IN_A,
        method="POST",
        workflow=True,
    ),
    "mediation:appeal_link": staff(
        *MEDIATION,
        kwargs=lambda o: {"appeal_id": o["appeal_a"].pk, "pk": o["dispute"].pk},
        sees=IN_A,
        method="POST",
        workflow=True,
    ),
    "mediation-dispute-list": staff(*MEDIATION),
    "mediation-dispute-detail": staff(*MEDIATION, kwargs=dispute(), sees=IN_A),
    # appeals REST API: any staff member may call it, rows are scoped
    "api-appeals": staff(),
    "api-appeal-categories": public(),
    "api-appeal-metrics": staff(Role.LEADER, Role.SUPERVISOR, Role.ANALYST),
    "api-appeal-track": public(
        kwargs=lambda o: {"tracking_code": "260101000000-" + "a" * 26}, outcome="hide"
    ),
    "api-appeal-track-lookup": public(
        method="POST",
        data={"tracking_code": "260101000001-" + "a" * 26},
        outcome="hide",
    ),
    "api-appeal-detail": staff(kwargs=APPEAL_CASES),
    "api-appeal-action": staff(
        kwargs=tuple(
            Case(lambda o, c=c: {**c.kwargs(o), "action": "accept"}, c.sees, c.label)
            for c in APPEAL_CASES
        ),
        method="POST",
        workflow=True,
    ),
    # hot spots
    "hotspots:public_map": public(),
    "hotspots:public_cells": public(),
    "hotspots:public_tips": public(),
    "hotspots:outlines": public(),
    "hotspots:console": staff(*HOT_VIEW),
    "hotspots:incident_list": staff(*HOT_VIEW),
    "hotspots:analysis_new": staff(*HOT_ANALYSE, method="POST"),
    "hotspots:analysis_detail": staff(*HOT_VIEW, kwargs=obj("analysis"), sees=HOT_SEES),
    "hotspots:analysis_status": staff(*HOT_VIEW, kwargs=obj("analysis"), sees=HOT_SEES),
    "hotspots:analysis_cells": staff(*HOT_VIEW, kwargs=obj("analysis"), sees=HOT_SEES),
    "hotspots:analysis_export": staff(
        *HOT_VIEW, kwargs=obj("analysis", fmt="csv"), sees=HOT_SEES
    ),
    "hotspots:analysis_rerun": staff(
        *HOT_ANALYSE,
        kwargs=obj("analysis"),
        sees=HOT_SEES,
        method="POST",
        workflow=True,
    ),
    "hotspots:campaign_new": staff(*HOT_CAMPAIGN),
    "hotspots:campaign_detail": staff(*HOT_VIEW, kwargs=obj("campaign"), sees=HOT_SEES),
    "hotspots:campaign_area": staff(*HOT_VIEW, kwargs=obj("campaign"), sees=HOT_SEES),
    "hotspots:campaign_evaluate": staff(
        *HOT_CAMPAIGN,
        kwargs=obj("campaign"),
        sees=HOT_SEES,
        method="POST",
        workflow=True,
    ),
    "hotspots-incident-list": staff(*HOT_VIEW),
    "hotspots-incident-detail": staff(*HOT_VIEW, kwargs=obj("incident"), sees=HOT_SEES),
    "hotspots-analysis-list": staff(*HOT_VIEW),
    "hotspots-analysis-detail": staff(*HOT_VIEW, kwargs=obj("analysis"), sees=HOT_SEES),
    "hotspots-analysis-rerun": staff(
        *HOT_ANALYSE,
        kwargs=obj("analysis"),
        sees=HOT_SEES,
        method="POST",
        workflow=True,
    ),
    # mediation, later additions
    "mediation:dispute_edit": mediation_action(),
    "mediation:dispute_report": mediation_action(),
    "mediation:parties_reveal": mediation_action(),
    "mediation-dispute-parties": mediation_action(),
    "catalogue:console_slots": staff(Role.LEADER, Role.SUPERVISOR, Role.ADMIN),
    "appeals:attachment": staff(
        *APPEAL_LIST,
        kwargs=lambda o: {"pk": o["attachment"].pk},
        sees={"officer_a", "leader_a", "supervisor", "operator"},
    ),
}

# Patterns without a name get one here (route → key), so they can be declared too.
UNNAMED = {
    "open311/discovery": "open311:discovery_bare",
    "open311/^v2/.*$": "open311:unknown",
}


# --------------------------------------------------------------------------- walk
def walk(patterns, prefix: str = "", ns: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield UNNAMED.get(route, name or f"<unnamed {route}>"), route


def project_urls() -> dict[str, str]:
    found: dict[str, str] = {}
    for key, route in walk(get_resolver().url_patterns):
        found.setdefault(key, route)
    return found


def test_every_url_is_declared():
    missing = sorted(set(project_urls()) - set(TABLE))
    assert not missing, (
        "These URL patterns are not in the access matrix. Add each to TABLE in "
        "tests/test_access_matrix.py with the roles that may use it (and, for object "
        "URLs, who may see the object):\n  "
        + "\n  ".join(f"{k}  ({project_urls()[k]})" for k in missing)
    )


def test_no_stale_rows():
    stale = sorted(set(TABLE) - set(project_urls()))
    assert not stale, f"TABLE declares URLs that no longer exist: {stale}"


# --------------------------------------------------------------------------- objects
@pytest.fixture
def objects(county) -> Objects:
    return Objects(county)


class Objects:
    """One object of each kind, in station A / forwarded to department A, built
    on first use: most URLs need none, and each build costs a few queries."""

    def __init__(self, county):
        self.county = county
        self.made: dict[str, Any] = {"county": county}
        self.builders: dict[str, Callable[[], dict[str, Any]]] = {}
        for keys, build in [
            (("guide", "application"), self._catalogue),
            (("token", "webhook"), self._api),
            (("appeal_a", "appeal_fwd", "attachment"), lambda: appeal_objects(county)),
            (
                ("dispute", "party", "agreement", "followup"),
                lambda: mediation_objects(county, self["appeal_a"]),
            ),
            (("incident", "analysis", "campaign"), lambda: hotspot_objects(county)),
        ]:
            for key in keys:
                self.builders[key] = build

    def __getitem__(self, key: str) -> Any:
        if key not in self.made:
            self.made.update(self.builders[key]())
        return self.made[key]

    def _catalogue(self) -> dict[str, Any]:
        from jingmin.catalogue import services as catalogue
        from jingmin.catalogue.tests.factories import published

        guide = published(
            "id-card",
            self.county["admin"],
            offices=[{"unit": "sta", "hours": "工作日"}],
        )
        application = catalogue.application_record(
            guide=guide,
            unit=self.county.sta,
            received_on=dt.date(2026, 3, 2),
            completed_on=dt.date(2026, 3, 5),
            visits=1,
            actor=self.county["officer_a"],
        )
        return {"guide": guide, "application": application}

    def _api(self) -> dict[str, Any]:
        from jingmin.api.models import ServiceToken, WebhookSubscription

        return {
            "token": ServiceToken.objects.create(
                user=self.county["operator"],
                name="matrix",
                digest="0" * 64,
                prefix="jm_0000",
            ),
            "webhook": WebhookSubscription.objects.create(
                department=self.county.depta,
                name="matrix",
                url="https://dept.example/h",
                secret="s",
            ),
        }


def mediation_objects(county, appeal) -> dict[str, Any]:
    """A dispute of station A that reached an agreement and has a follow-up due."""
    from jingmin.mediation import services as m
    from jingmin.mediation.models import RiskLevel

    officer = county["officer_a"]
    found = m.dispute_register_from_appeal(appeal=appeal, actor=officer)
    party = found.parties.first()
    today = dt.date.today()
    session = m.session_record(
        dispute=found,
        data=m.SessionData(
            held_on=today,
            kind="public_order",
            outcome="agreed",
            mediators=[("张警官", "police")],
            attendee_ids=[party.pk],
        ),
        actor=officer,
    )
    agreement = m.agreement_create(
        dispute=found, terms="双方和解", signed_on=today, actor=officer, session=session
    )
    followup = m.followup_add(
        dispute=found,
        due_on=today + dt.timedelta(days=7),
        channel=RiskLevel.Channel.values[0],
        actor=officer,
    )
    assert found.unit_id == county.sta.pk
    return {
        "dispute": found,
        "party": party,
        "agreement": agreement,
        "followup": followup,
    }


def hotspot_objects(county) -> dict[str, Any]:
    """Incidents, a finished analysis and a campaign, all of station A."""
    from jingmin.hotspots import services as h
    from jingmin.hotspots.tests.factories import cluster, types

    kinds = types()
    incidents = cluster(kinds["burglary"], 120.05, 30.05, 12, unit=county.sta)
    analysis = h.analysis_create(
        kind="hotspot", params={"cell": 500}, actor=county["analyst"], unit=county.sta
    )
    h.analysis_execute(analysis.pk)
    analysis.refresh_from_db()
    today = dt.date.today()
    campaign = h.campaign_create(
        data=h.CampaignInput(
            name="矩阵测试整治",
            area={
                "type": "Polygon",
                "coordinates": [
                    [
                        [120.04, 30.04],
                        [120.06, 30.04],
                        [120.06, 30.06],
                        [120.04, 30.06],
                        [120.04, 30.04],
                    ]
                ],
            },
            starts_on=today - dt.timedelta(days=30),
            ends_on=today - dt.timedelta(days=1),
            actions="巡逻",
            units=[county.sta],
            incident_types=[kinds["burglary"]],
        ),
        actor=county["analyst"],
    )
    return {"incident": incidents[0], "analysis": analysis, "campaign": campaign}


def jpeg() -> io.BytesIO:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "JPEG")
    buf.seek(0)
    return buf


def appeal_objects(county) -> dict[str, Any]:
    from jingmin.appeals.models import Appeal
    from jingmin.appeals.services import AppealInput, appeal_submit
    from jingmin.appeals.tests.factories import IN_A, make_categories, submit

    cats = make_categories(county)
    photo = image_clean(jpeg(), label="photo")
    appeal_a = appeal_submit(
        data=AppealInput(
            kind=Appeal.Kind.COMPLAINT,
            body="楼下夜里施工噪音很大",
            phone="13800138000",
            lon=IN_A[0],
            lat=IN_A[1],
            category=cats.order,
        ),
        photos=[photo],
    ).appeal
    appeal_fwd = submit(cats.building, point=IN_A).appeal
    assert appeal_a.unit == county.sta and appeal_a.forwarded_to is None
    assert appeal_fwd.forwarded_to == county.depta and appeal_fwd.unit is None
    return {
        "appeal_a": appeal_a,
        "appeal_fwd": appeal_fwd,
        "attachment": appeal_a.attachments.get(),
    }


# --------------------------------------------------------------------------- check
def expected(rule: Rule, case: Case, persona: str) -> str:
    if rule.roles == PUBLIC:
        return rule.public_outcome
    if persona == ANON:
        return "login"
    if ROLE_OF[persona] not in rule.roles:
        return "deny"
    if case.sees is not None and persona not in case.sees:
        return "hide"
    return "allow"


def observed(response, api: bool) -> str:
    status = response.status_code
    if status == 302 and "/accounts/login/" in response.get("Location", ""):
        return "login"
    if status in (401,) or (
        api and status == 403 and response.wsgi_request.user.is_anonymous
    ):
        return "login"
    if status == 403:
        return "deny"
    if status == 404:
        return "hide"
    if status >= 500:
        return f"error {status}"
    return "allow"


def build_url(key: str, case: Case, objs: dict[str, Any]) -> str:
    if key in UNNAMED.values():
        return "/" + re.sub(r"[\^\$]|\.\*", "", project_urls()[key])
    return reverse(key, kwargs=case.kwargs(objs))


def rendered_csp_problems(response) -> list[str]:
    exempt = settings.CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"]
    if not response.get("Content-Type", "").startswith("text/html") or (
        response.wsgi_request.path.startswith(tuple(exempt))
    ):
        return []
    html = response.content.decode(errors="replace")
    return [
        p.pattern
        for p in (INLINE_SCRIPT, STYLE_ATTR, STYLE_BLOCK, HANDLER_ATTR)
        if p.search(html)
    ]


@pytest.mark.parametrize("key", sorted(TABLE))
def test_access(key, objects, county):
    urls = project_urls()
    if key not in urls:
        pytest.skip(f"{key} is not mounted")
    rule = TABLE[key]
    api = urls[key].startswith("api/")
    clients = {ANON: Client()}
    for persona in PERSONAS:
        clients[persona] = Client()
        clients[persona].force_login(
            county[persona], backend="django.contrib.auth.backends.ModelBackend"
        )
    wrong = []
    for case in rule.cases:
        url = build_url(key, case, objects)
        seen = []
        for persona, client in clients.items():
            send = client.post if rule.method == "POST" else client.get
            response = send(url, rule.data)
            got, want = observed(response, api), expected(rule, case, persona)
            if rule.workflow and want == "allow" and got == "deny":
                got = "allow"  # the workflow table said no; scope was passed
            seen.append(f"{persona}={got}")
            if got != want:
                wrong.append(
                    f"{url} [{case.label}] {persona}: expected {want}, got {got} "
                    f"({response.status_code})"
                )
            if got == "allow" and persona in (ANON, "officer_a"):
                problems = rendered_csp_problems(response)
                if problems:
                    wrong.append(
                        f"{url} {persona}: rendered page breaks CSP {problems}"
                    )
        if os.environ.get("MATRIX_PRINT"):
            line = f"{key} {rule.method} {url} [{case.label}]: " + " ".join(seen)
            print("\n" + line)  # noqa: T201
    assert not wrong, f"{rule.method} {key}:\n  " + "\n  ".join(wrong)


# --------------------------------------------------------------------------- lists
@dataclass(frozen=True)
class ListCase:
    url: str
    roles: tuple[str, ...]
    obj: str
    sees: frozenset[str]


LISTS = [
    ListCase(
        "appeals:console_list",
        APPEAL_LIST,
        "appeal_a",
        frozenset({"officer_a", "leader_a", "supervisor", "operator"}),
    ),
    ListCase(
        "appeals:console_list",
        APPEAL_LIST,
        "appeal_fwd",
        frozenset({"liaison_a", "supervisor", "operator"}),
    ),
    ListCase("mediation:dispute_list", MEDIATION, "dispute", IN_A),
    ListCase("mediation-dispute-list", MEDIATION, "dispute", IN_A),
    ListCase(
        "catalogue-application-list",
        (Role.OFFICER, Role.LEADER, Role.SUPERVISOR, Role.ADMIN),
        "application",
        frozenset({"officer_a", "leader_a", "supervisor", "admin"}),
    ),
    ListCase(
        "webhook-list",
        (Role.ADMIN, Role.LIAISON),
        "webhook",
        frozenset({"liaison_a", "admin"}),
    ),
]


def listed(response, obj) -> bool:
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        items = data.get("results", data) if isinstance(data, dict) else data
        return any(
            item.get("id") == obj.pk
            or (
                item.get("number")
                and item.get("number") == getattr(obj, "number", None)
            )
            for item in items
        )
    marker = getattr(obj, "number", None) or str(obj)
    return marker in response.content.decode()


@pytest.mark.parametrize("case", LISTS, ids=lambda c: f"{c.url}-{c.obj}")
def test_lists_show_only_rows_in_scope(case, objects, county):
    """IDOR's quieter cousin: a list must not show another unit's rows."""
    if case.url not in project_urls():
        pytest.skip(f"{case.url} is not mounted")
    obj = objects[case.obj]
    wrong = []
    for persona in PERSONAS:
        if ROLE_OF[persona] not in case.roles:
            continue
        client = Client()
        client.force_login(
            county[persona], backend="django.contrib.auth.backends.ModelBackend"
        )
        response = client.get(reverse(case.url))
        assert response.status_code == 200, (persona, response.status_code)
        if listed(response, obj) != (persona in case.sees):
            wrong.append(
                f"{persona}: {'sees' if persona not in case.sees else 'misses'} {obj}"
            )
    assert not wrong, f"{case.url}:\n  " + "\n  ".join(wrong)
