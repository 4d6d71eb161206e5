import json
import logging

import pytest

from jingmin.core import notify
from jingmin.core.notify import Message, notify_send


def msg(**kw):
    return Message(
        subject="已答复",
        text="您的诉求已答复",
        phone="13912345678",
        email="zhang@example.cn",
        reference="261129000001",
        **kw,
    )


def test_console_backend_masks_the_phone(settings, caplog):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.ConsoleBackend"
    with caplog.at_level(logging.INFO, logger="jingmin.notify"):
        notify_send(msg())
    assert "139****5678" in caplog.text and "13912345678" not in caplog.text
    assert "zhang@" not in caplog.text


def test_file_backend_writes_one_file_without_full_phone(settings, tmp_path):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.FileBackend"
    notify_send(msg())
    (path,) = (tmp_path / "outbox").glob("*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["phone"] == "139****5678" and data["text"] == "您的诉求已答复"


class FakeGateway:
    sent: list = []

    def send_sms(self, phone, text):
        FakeGateway.sent.append((phone, text))
        return "ok-1"


def test_sms_backend_hands_the_full_number_to_the_gateway_only(settings, caplog):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.SmsBackend"
    settings.SMS_GATEWAY = f"{__name__}.FakeGateway"
    with caplog.at_level(logging.INFO, logger="jingmin.notify"):
        notify_send(msg())
    assert FakeGateway.sent == [("13912345678", "您的诉求已答复")]
    assert "13912345678" not in caplog.text


def test_a_failing_backend_is_logged_not_raised(settings, caplog):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.SmsBackend"
    settings.SMS_GATEWAY = "no.such.Gateway"
    notify.notify_send(msg())
    assert "could not be sent" in caplog.text


def test_nothing_to_send_without_contact(settings, tmp_path):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.FileBackend"
    notify_send(Message(subject="x", text="y"))
    assert not (tmp_path / "outbox").exists()


@pytest.mark.django_db
def test_on_commit_only(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.NOTIFICATION_BACKEND = "jingmin.core.notify.FileBackend"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify.notify_on_commit(msg())
    assert len(callbacks) == 1 and not (tmp_path / "outbox").exists()
