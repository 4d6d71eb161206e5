"""`jingmin`: a thin wrapper over Django's management commands.

`jingmin audit verify` runs the command `audit_verify`; `jingmin migrate` runs
`migrate`. Every command honours DATABASE_URL through the settings module.
"""

from __future__ import annotations

import os
import sys

ALIASES = {"backup": "db_backup", "restore": "db_restore", "worker": "db_worker"}


def resolve(argv: list[str], commands: set[str]) -> list[str]:
    """Map `group verb args…` onto `group_verb args…` when such a command exists."""
    if not argv:
        return ["help"]
    first = ALIASES.get(argv[0], argv[0])
    if len(argv) >= 2 and f"{first}_{argv[1].replace('-', '_')}" in commands:
        return [f"{first}_{argv[1].replace('-', '_')}", *argv[2:]]
    return [first, *argv[1:]]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingmin.settings")
    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    args = resolve(list(sys.argv[1:] if argv is None else argv), set(get_commands()))
    execute_from_command_line(["jingmin", *args])


if __name__ == "__main__":
    main()
