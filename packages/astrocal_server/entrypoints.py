"""What the ``astrocal`` command line may use of the server: a small, stable facade.

The CLI imports this module and nothing else of ``astrocal_server`` (a test in
``tests/foundation`` holds it to that), and only inside the commands that need a server, so
``astrocal --help`` stays light. Everything here runs through the composition root
(:func:`~astrocal_server.composition.open_services`), the same way the app's lifespan does.

- :class:`Settings` (re-exported for type hints) and :func:`load_settings` — the server's settings from the environment / ``.env``, with a database
  URL on top; :class:`InvalidSettings` lists what is wrong, one line per field.
- :func:`serve` — first run (migrate; on an empty database an account, keys and sample data,
  whose summary is printed once), then the HTTP server until stopped.
- :func:`run_worker` — the outbox relay on its own (no HTTP).
- :func:`migrate` — bring the schema up to date.
- :func:`init_local_account` — an account and keys written straight to the database (on an
  empty one, exactly the first run ``serve`` does).

Only the settings model is imported at module level; each function imports what else it uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from astrocal_server.config import RELAY_CONCURRENCY, Settings

if TYPE_CHECKING:
    from astrocal_server.bootstrap import FirstRun

__all__ = [
    "InvalidSettings",
    "LocalAccount",
    "Settings",
    "init_local_account",
    "load_settings",
    "migrate",
    "run_worker",
    "serve",
    "server_fast_paths",
]


class InvalidSettings(ValueError):
    """The configuration does not validate; ``problems`` says, per field, why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the environment / ``.env``; a non-empty ``database_url`` overrides theirs."""
    from pydantic import ValidationError

    try:
        settings = Settings()
        if database_url:
            settings = settings.with_overrides(database_url=database_url)
    except ValidationError as exc:
        raise InvalidSettings(
            [
                f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
                for e in exc.errors()
            ]
        ) from None
    return settings


def _first_run_summary(first: FirstRun, base_url: str, day: str) -> str:
    test_key = first.created.test_key.secret
    live_key = first.created.live_key.secret
    return (
        "\nAstrocal is set up. These API keys are shown once — store them now:\n"
        f"  live key: {live_key}\n"
        f"  test key: {test_key}\n"
        f"Sample event type (test mode): {first.test_event_type_id}  (slug: intro-call, 30 minutes)\n\n"
        "Try it:\n"
        f'  curl {base_url}/v1/availability -H "Authorization: Bearer {test_key}" '
        f'-d "event_type_id={first.test_event_type_id}&date={day}"\n'
    )


_KNOWN_DATABASE = (
    "\nUsing the existing database; its API keys were shown when it was first set up.\n"
    "Lost them? Create another key with POST /v1/api_keys using any key you still have,\n"
    "or start over with a fresh database (--database-url sqlite:///another.db).\n"
)


def serve(settings: Settings, *, host: str, port: int, echo: Callable[[str], Any]) -> None:
    """Set up the database (printing the first run's keys through ``echo``), then serve HTTP.

    Blocks until the server is stopped (Ctrl-C / SIGTERM); it runs its own event loop.
    """
    import asyncio

    import uvicorn

    from astrocal_server.app import create_app
    from astrocal_server.bootstrap import ensure_initialised, next_weekday
    from astrocal_server.clock import SystemClock

    clock = SystemClock()
    first = asyncio.run(ensure_initialised(settings, clock))
    display_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host  # noqa: S104
    base_url = f"http://{display_host}:{port}"
    if first is not None:
        echo(_first_run_summary(first, base_url, next_weekday(clock.now().date()).isoformat()))
    else:
        echo(_KNOWN_DATABASE)
    loop, http, encoder = server_fast_paths()
    echo(f"Event loop: {loop}; HTTP parser: {http}; JSON encoder: {encoder}\n")
    echo(f"API reference: {base_url}/docs\n")
    app = create_app(settings.with_overrides(migrate_on_start=False), clock=clock, long_lived=True)
    uvicorn.run(
        app, host=host, port=port, log_level="info", proxy_headers=False, loop=loop, http=http
    )


def server_fast_paths() -> tuple[str, str, str]:
    """uvicorn's event loop and HTTP parser and the responses' JSON encoder: uvloop, httptools
    and orjson when installed (the ``speed`` extra), else the pure-Python asyncio loop, h11 and
    json, which serve the same app the same way (``api/encoding.py`` makes the same choice)."""
    from importlib.util import find_spec

    def available(name: str) -> bool:
        try:
            return find_spec(name) is not None
        except (ImportError, ValueError):  # a module blocked or half-installed counts as absent
            return False

    loop = "uvloop" if available("uvloop") else "asyncio"
    http = "httptools" if available("httptools") else "h11"
    return loop, http, "orjson" if available("orjson") else "json"


async def run_worker(
    settings: Settings, *, once: bool = False, concurrency: int = RELAY_CONCURRENCY
) -> int:
    """Relay until SIGTERM/SIGINT (or, with ``once``, until nothing is due); how many items ran."""
    import asyncio
    import signal

    from astrocal_server.clock import SystemClock
    from astrocal_server.collector import tune_for_serving
    from astrocal_server.composition import open_services
    from astrocal_server.outbox.relay import OutboxRelay, RelayLoop, new_owner
    from astrocal_server.webhooks.dispatcher import DeliveryDispatcher

    # The hooks set up what handlers need (mailer, calendars…); the relay is driven here, so the
    # hooks' own relay stays off.
    async with open_services(
        settings.with_overrides(run_relay=False), clock=SystemClock()
    ) as state:
        owner = new_owner()
        if once:
            relay = OutboxRelay(state, owner=owner)
            dispatcher = DeliveryDispatcher(state, owner=owner)
            total = 0
            while True:
                done = await relay.run_once() + await dispatcher.run_once()
                total += done
                if not done:
                    return total
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        relay_loop = RelayLoop(state, owner=owner, concurrency=concurrency)
        relay_loop.wake_on_commits(state.db)  # its own retries and results; others' by polling
        tune_for_serving()  # a long-lived process from here on, as `serve`'s app is
        await relay_loop.run(stop)
        return 0


async def migrate(settings: Settings) -> str:
    """Create or upgrade the schema; the database URL with any password hidden, for messages."""
    from sqlalchemy.engine import make_url

    from astrocal_server.clock import SystemClock
    from astrocal_server.composition import open_services

    async with open_services(
        settings.with_overrides(migrate_on_start=True), clock=SystemClock(), hooks=()
    ):
        pass
    return make_url(settings.database_url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class LocalAccount:
    body: dict[str, Any]  # shaped like POST /v1/accounts' response: account, live_key, test_key
    sample_event_type_id: str | None  # the test-mode sample, when this was the first account


async def init_local_account(
    settings: Settings, *, name: str, email: str | None, time_zone: str
) -> LocalAccount:
    """Migrate, then create an account with keys. On an empty database this is exactly the first
    run that :func:`serve` does (sample event type included); otherwise one more account."""
    # Imported here, not at the top, so a CLI-only install fails on this call with
    # ModuleNotFoundError naming what is missing.
    from astrocal_server.bootstrap import add_account, ensure_initialised
    from astrocal_server.clock import SystemClock
    from astrocal_server.serialize.accounts import account_to_api, api_key_to_api

    clock = SystemClock()
    first = await ensure_initialised(settings, clock, time_zone=time_zone, name=name, email=email)
    if first is not None:
        created, sample = first.created, first.test_event_type_id
    else:
        created = await add_account(settings, clock, name=name, email=email, time_zone=time_zone)
        sample = None
    body = {
        "account": account_to_api(created.account),
        "live_key": api_key_to_api(created.live_key.key, secret=created.live_key.secret),
        "test_key": api_key_to_api(created.test_key.key, secret=created.test_key.secret),
    }
    return LocalAccount(body=body, sample_event_type_id=sample)
