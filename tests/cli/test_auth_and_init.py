"""`astrocal init`, `login`, `logout`, `whoami`: profiles in a private file, env overrides, errors."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from astrocal_cli.profiles import ConfigFile

from tests.support.cli import Run, RunningServer, RunProcess
from tests.support.live import free_socket as _free_socket

NO_ENV_KEY = {"ASTROCAL_API_KEY": None, "ASTROCAL_BASE_URL": None}


def test_login_saves_a_private_profile_and_whoami_uses_it(
    run: Run, server: RunningServer, api_key: str, api: httpx.Client, config_dir: Path
) -> None:
    result = run("login", "--api-key", api_key, "--base-url", server.url, env=NO_ENV_KEY)
    assert result.exit_code == 0, result.output
    assert "Logged in" in result.stdout and api_key not in result.output
    path = config_dir / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ConfigFile(path).get("default").api_key == api_key  # type: ignore[union-attr]

    who = run("whoami", "--json", env=NO_ENV_KEY)
    assert who.exit_code == 0, who.output
    assert json.loads(who.stdout) == api.get("/v1/account").json()

    human = run("whoami", env=NO_ENV_KEY)
    assert "CLI Test Co" in human.stdout and "profile 'default'" in human.stdout
    assert "Mode:     test" in human.stdout


def test_login_reads_the_key_from_stdin(
    run: Run, server: RunningServer, api_key: str, config_dir: Path
) -> None:
    result = run(
        "login", "--base-url", server.url, "-p", "piped", input=api_key + "\n", env=NO_ENV_KEY
    )
    assert result.exit_code == 0, result.output
    assert ConfigFile(config_dir / "config.json").get("piped").api_key == api_key  # type: ignore[union-attr]


def test_login_with_a_wrong_key_fails_and_saves_nothing(
    run: Run, server: RunningServer, config_dir: Path
) -> None:
    result = run(
        "login", "--api-key", "sk_test_" + "x" * 43, "--base-url", server.url, env=NO_ENV_KEY
    )
    assert result.exit_code == 3
    assert "401 invalid_api_key" in result.stderr
    assert "request id: req_" in result.stderr
    assert result.stdout == ""
    assert not (config_dir / "config.json").exists()
    bad = run("login", "--api-key", "hello", env=NO_ENV_KEY)
    assert bad.exit_code == 2 and "does not look like an API key" in bad.stderr


def test_profiles_and_environment_precedence(
    run: Run, server: RunningServer, api_key: str, account: dict[str, Any], config_dir: Path
) -> None:
    live = account["live_key"]["secret"]
    assert (
        run("login", "--api-key", api_key, "--base-url", server.url, env=NO_ENV_KEY).exit_code == 0
    )
    assert (
        run(
            "login", "-p", "live", "--api-key", live, "--base-url", server.url, env=NO_ENV_KEY
        ).exit_code
        == 0
    )
    assert "Mode:     live" in run("whoami", "--profile", "live", env=NO_ENV_KEY).stdout
    assert "Mode:     live" in run("whoami", env={**NO_ENV_KEY, "ASTROCAL_PROFILE": "live"}).stdout
    # The environment wins over the saved profile.
    env_wins = run("whoami", env={"ASTROCAL_API_KEY": live, "ASTROCAL_BASE_URL": None})
    assert "Mode:     live" in env_wins.stdout and "from ASTROCAL_API_KEY" in env_wins.stdout
    # A base URL from the environment that points nowhere: a network error, exit 9.
    closed = _free_socket()
    port = closed.getsockname()[1]
    closed.close()
    down = run("whoami", env={"ASTROCAL_BASE_URL": f"http://127.0.0.1:{port}"})
    assert down.exit_code == 9
    assert "cannot reach" in down.stderr and "astrocal serve" in down.stderr


def test_whoami_without_a_key_says_how_to_log_in(run: Run) -> None:
    result = run("whoami", env=NO_ENV_KEY)
    assert result.exit_code == 3
    assert "astrocal login" in result.stderr


def test_logout_asks_first(run: Run, server: RunningServer, api_key: str, config_dir: Path) -> None:
    assert (
        run("login", "--api-key", api_key, "--base-url", server.url, env=NO_ENV_KEY).exit_code == 0
    )
    refused = run("logout", env=NO_ENV_KEY)  # no terminal, no --yes
    assert refused.exit_code == 10 and "--yes" in refused.stderr
    assert ConfigFile(config_dir / "config.json").get("default") is not None
    done = run("logout", "--yes", env=NO_ENV_KEY)
    assert done.exit_code == 0, done.output
    assert ConfigFile(config_dir / "config.json").get("default") is None
    again = run("logout", "--yes", env=NO_ENV_KEY)
    assert again.exit_code == 4


def test_init_on_a_fresh_database(run: Run, tmp_path: Path, config_dir: Path) -> None:
    db = tmp_path / "fresh.db"
    result = run(
        "init", "--database-url", f"sqlite:///{db}", "--name", "Acme", "--email", "a@acme.test",
        "--time-zone", "Europe/Berlin", "--json", env=NO_ENV_KEY,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"account", "live_key", "test_key"}
    assert body["account"]["name"] == "Acme" and body["account"]["email"] == "a@acme.test"
    assert body["account"]["time_zone"] == "Europe/Berlin"
    assert body["test_key"]["secret"].startswith("sk_test_")
    assert body["live_key"]["secret"].startswith("sk_live_")
    saved = ConfigFile(config_dir / "config.json").get("default")
    assert saved is not None and saved.api_key == body["test_key"]["secret"]
    assert saved.base_url == "http://127.0.0.1:8000"
    slugs = [r[0] for r in sqlite3.connect(db).execute("select slug from event_types")]
    assert slugs == ["intro-call", "intro-call"]  # the same first run as `astrocal serve`


def test_init_on_the_running_servers_database_adds_an_account(
    run: Run, run_process: RunProcess, server: RunningServer, config_dir: Path
) -> None:
    url = server.database_url
    result = run_process(
        "init", "--database-url", url, "--name", "Second Co", "--base-url", server.url,
        "--profile", "second", env=NO_ENV_KEY,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Created account Second Co" in result.stdout and "Test key" in result.stdout
    who = run("whoami", "--json", "--profile", "second", env=NO_ENV_KEY)
    assert who.exit_code == 0, who.output
    assert json.loads(who.stdout)["name"] == "Second Co"


def test_init_rejects_an_unknown_zone(run: Run, tmp_path: Path) -> None:
    result = run(
        "init", "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--time-zone", "Nowhere/City"
    )
    assert result.exit_code == 2 and "IANA" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_init_without_the_server_package_says_what_to_install(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "astrocal_server.bootstrap", None)  # as if not installed
    result = run("init", "--database-url", f"sqlite:///{tmp_path / 'y.db'}", env=NO_ENV_KEY)
    assert result.exit_code == 1
    assert "pip install 'astrocal[server]'" in result.stderr
