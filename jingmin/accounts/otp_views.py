"""TOTP enrolment pages: start, confirm with a first code, disable with a current code."""

from __future__ import annotations

import base64

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from jingmin.core.exceptions import DomainError

from . import otp_services
from .decorators import staff_required


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("动态口令为6位数字")},
    )


def _grouped_key(device) -> str:
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@staff_required()
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """GET: status, or the pending secret to add to an authenticator app.
    POST action=start: a fresh secret. POST action=confirm: the first code."""
    user = request.user
    form = TokenForm(request.POST if request.POST.get("action") == "confirm" else None)
    if request.method == "POST" and request.POST.get("action") == "start":
        try:
            otp_services.otp_enrolment_start(user=user, request=request)
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("accounts:otp_setup")
    if form.is_bound and form.is_valid():
        try:
            device = otp_services.otp_enrolment_confirm(
                user=user, token=form.cleaned_data["token"], request=request
            )
        except DomainError as exc:
            form.add_error("token" if exc.field else None, str(exc))
        else:
            otp_login(request, device)
            messages.success(request, _("双因素认证已启用，下次登录时需要输入动态口令"))
            return redirect("accounts:otp_setup")
    confirmed = otp_services.otp_confirmed_device(user)
    pending = None if confirmed else otp_services.otp_pending_device(user)
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "confirmed": confirmed,
            "pending": pending,
            "otpauth_uri": pending.config_url if pending else "",
            "manual_key": _grouped_key(pending) if pending else "",
            "form": form,
            "disable_form": TokenForm(),
        },
    )


@staff_required()
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            otp_services.otp_disable(
                user=request.user, token=form.cleaned_data["token"], request=request
            )
        except DomainError as exc:
            form.add_error("token", str(exc))
        else:
            messages.success(request, _("双因素认证已停用"))
            return redirect("accounts:otp_setup")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "confirmed": otp_services.otp_confirmed_device(request.user),
            "pending": None,
            "form": TokenForm(),
            "disable_form": form,
        },
        status=400,
    )
