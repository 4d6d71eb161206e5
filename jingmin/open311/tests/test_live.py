"""Against a real server process: the PyPI ``georeport`` client reads services and
requests in both formats, and a plain form-encoded POST as the spec gives it files a
request the client then reads back.

The server is ``jingmin serve`` (granian) on a free 127.0.0.1 port, over a fresh
SQLite file seeded by ``jingmin demo --no-serve`` in a temporary JINGMIN_VAR_DIR.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from georeport import GeoReport

pytestmark = pytest.mark.live
BIN = Path(sys.executable).parent / "jingmin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    var = tmp_path_factory.mktemp("live-var")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        JINGMIN_VAR_DIR=str(var),
        TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        NO_PROXY="127.0.0.1,localhost",
    )
    subprocess.run(  # noqa: S603
        [str(BIN), "demo", "--no-serve"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--threads", "4", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/open311/discovery.json", timeout=10).ok:
                    break
            except requests.RequestException:
                pass  # still starting
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _answer(attribute: dict) -> tuple[str, list[str]]:
    code, datatype = attribute["code"], attribute["datatype"]
    values = [v["key"] for v in attribute.get("values") or []]
    if datatype == "multivaluelist":
        return f"attribute[{code}][]", values[:1]
    if datatype == "singlevaluelist":
        return f"attribute[{code}]", values[:1]
    if datatype == "number":
        return f"attribute[{code}]", ["3"]
    if datatype == "datetime":
        return f"attribute[{code}]", ["2026-03-01T08:15:30+08:00"]
    return f"attribute[{code}]", ["测试"]


def test_georeport_client_reads_and_a_spec_post_is_read_back(server):
    base = f"{server}/open311/v2"
    as_json, as_xml = GeoReport(base), GeoReport(base, output_format="xml")
    services = as_json.get_service_list()
    assert services, "the demo has public services"
    xml_services = as_xml.get_service_list()
    xml_services = xml_services if isinstance(xml_services, list) else [xml_services]
    assert [s["service_code"] for s in xml_services] == [
        s["service_code"] for s in services
    ]

    service = next((s for s in services if s["metadata"]), services[0])
    code = service["service_code"]
    definition = as_json.get_service_definition(code) if service["metadata"] else None
    if definition:
        assert as_xml.get_service_definition(code)["service_code"] == code

    form: dict[str, object] = {
        "api_key": "demo-open311-key",
        "service_code": code,
        "lat": "30.1012",
        "long": "120.1023",
        "address_string": "和平县城关镇人民路8号",
        "email": "citizen@example.cn",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "明",
        "last_name": "李",
        "phone": "13800138000",
        "description": "小区门口路灯不亮，晚上很黑",
        "media_url": "http://example.cn/photo.jpg",
    }
    for attribute in (definition or {}).get("attributes", []):
        if attribute["required"] and attribute["variable"]:
            key, value = _answer(attribute)
            form[key] = value
    posted = requests.post(f"{base}/requests.json", data=form, timeout=10)
    assert posted.status_code == 200, posted.text
    (created,) = posted.json()
    number = created["service_request_id"]

    one = as_json.get_service_request(number)
    assert one["service_request_id"] == number and one["service_code"] == code
    assert one["status"] == "open"
    xml_one = as_xml.get_service_request(number)
    assert xml_one["service_request_id"] == number
    for personal in ("李明", "13800138000", "citizen@example.cn", "tt222111"):
        assert personal not in str(one) and personal not in str(xml_one)

    listed = as_json.get_service_requests(service_code=code)
    assert number in [r["service_request_id"] for r in listed]
    xml_listed = as_xml.get_service_requests(service_request_id=number)
    xml_listed = xml_listed if isinstance(xml_listed, list) else [xml_listed]
    assert [r["service_request_id"] for r in xml_listed] == [number]

    missing = requests.get(f"{base}/requests/NOPE.xml", timeout=5)
    assert missing.status_code == 404 and b"<errors><error>" in missing.content
