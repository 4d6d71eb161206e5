"""A fresh clone has no var/ (it is git-ignored): settings create JINGMIN_VAR_DIR."""

import os
import subprocess
import sys

OPEN_DB = (
    "import django; django.setup();"
    "from django.db import connection; connection.ensure_connection();"
    "print(connection.settings_dict['NAME'])"
)


def _run(tmp_path, var_dir):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="jingmin.settings", JINGMIN_VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "-c", OPEN_DB],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )


def test_missing_var_dir_is_created_before_the_database_opens(tmp_path):
    var_dir = tmp_path / "not" / "yet"
    done = _run(tmp_path, var_dir)
    assert done.returncode == 0, done.stderr
    assert (var_dir / "jingmin.sqlite3").is_file()


def test_var_dir_that_cannot_be_created_is_a_clear_configuration_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = _run(tmp_path, blocker / "var")
    assert done.returncode != 0
    assert "JINGMIN_VAR_DIR" in done.stderr
    assert "unable to open database file" not in done.stderr
