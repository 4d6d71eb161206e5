import pytest
from django.core.management import CommandError, call_command

from jingmin.accounts.roles import Role
from jingmin.accounts.tests.personas import make_user
from jingmin.api.models import ServiceToken
from jingmin.open311.services import client_authenticate

pytestmark = pytest.mark.django_db


def test_token_issue_and_revoke_commands(county, capsys, api):
    make_user("svc-a", Role.LIAISON, is_service_account=True, department=county.depta)
    call_command("api_token_issue", "--username", "svc-a", "--name", "住建系统")
    raw = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/units/").status_code == 200
    call_command("api_token_revoke", raw[:8])
    assert ServiceToken.objects.get().revoked_at is not None
    assert api.get("/api/v1/units/").status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token_issue", "--username", "officer_a", "--name", "x")
    with pytest.raises(CommandError):
        call_command("api_token_revoke", "jm_nope")


def test_open311_client_issue_command(county, capsys):
    call_command("open311_client_issue", "--name", "热线", "--rate", "5")
    raw = capsys.readouterr().out.strip().rsplit(" ", 1)[1]
    assert client_authenticate(raw).rate_per_minute == 5
    with pytest.raises(CommandError):
        call_command("open311_client_issue", "--name", "热线")
