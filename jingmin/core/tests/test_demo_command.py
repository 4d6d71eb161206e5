"""`jingmin demo` serves where `jingmin serve` would (JINGMIN_HOST/JINGMIN_PORT)."""

from jingmin.core.management.commands.demo import Command


def _defaults():
    return vars(Command().create_parser("jingmin", "demo").parse_args([]))


def test_demo_port_follows_the_environment(monkeypatch):
    monkeypatch.setenv("JINGMIN_PORT", "8123")
    monkeypatch.setenv("JINGMIN_HOST", "127.0.0.2")
    options = _defaults()
    assert (options["host"], options["port"]) == ("127.0.0.2", 8123)


def test_demo_port_default(monkeypatch):
    monkeypatch.delenv("JINGMIN_PORT", raising=False)
    monkeypatch.delenv("JINGMIN_HOST", raising=False)
    options = _defaults()
    assert (options["host"], options["port"]) == ("127.0.0.1", 8000)
