"""What every command shares: the ``--json/--tz/--profile`` options, the SDK client built from the
profile, spinners around network calls, confirmations, and turning failures into exit codes.

Commands are plain functions ``def cmd(cli: Cli, ...)`` registered with :func:`command`, which adds
the common options to the signature Typer sees and hands the function a ready :class:`Cli`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import sys
from collections.abc import Callable, Iterator
from datetime import tzinfo
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from astrocal_cli.config import ConfigError, ConfigFile, Resolved, resolve
from astrocal_cli.exit_codes import ExitCode, for_status
from astrocal_cli.inputs import InputError
from astrocal_cli.output import Output
from astrocal_cli.timefmt import TimeInputError, zone

if TYPE_CHECKING:
    from astrocal_sdk import Astrocal

__all__ = ["ApiResult", "Cli", "CliError", "command"]


def stdin_is_terminal() -> bool:
    """Whether someone can answer a prompt (tests replace this to play the person)."""
    return sys.stdin.isatty()


class CliError(Exception):
    """A failure with a message for the user and the exit code scripts see."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ApiResult:
    """One API response: the body as sent (for ``--json``) and parsed (for tables)."""

    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text

    @functools.cached_property
    def data(self) -> Any:
        return json.loads(self.text) if self.text else None


class Cli:
    def __init__(
        self,
        *,
        json_mode: bool = False,
        tz_name: str | None = None,
        profile: str | None = None,
        yes: bool = False,
    ) -> None:
        self.json_mode = json_mode
        self.profile_option = profile
        self.yes = yes
        try:
            self.tz: tzinfo = zone(tz_name)
        except (TimeInputError, InputError) as exc:
            raise CliError(f"--tz: {exc}", ExitCode.USAGE) from None
        self.out = Output(json_mode=json_mode, tz=self.tz)
        self._client: Astrocal | None = None

    @functools.cached_property
    def config(self) -> ConfigFile:
        return ConfigFile.default()

    @functools.cached_property
    def settings(self) -> Resolved:
        return resolve(self.config, self.profile_option)

    def client(self) -> Astrocal:
        if self._client is None:
            settings = self.settings
            if not settings.api_key:
                raise CliError(
                    f"No API key for profile {settings.profile!r}. Run `astrocal login` "
                    "(or `astrocal init` on a fresh database), or set ASTROCAL_API_KEY.",
                    ExitCode.AUTH,
                )
            from astrocal_sdk import Astrocal

            self._client = Astrocal(api_key=settings.api_key, base_url=settings.base_url)
        return self._client

    def call(self, waiting: str, operation: Callable[[Any], Any]) -> ApiResult:
        """Run ``operation(client.with_raw_response)`` under a spinner; the raw response's body.

        Going through the SDK's raw-response view keeps its retries, idempotency keys and typed
        errors while letting ``--json`` print the body byte for byte.
        """
        client = self.client()
        with self.out.spinner(waiting):
            raw = operation(client.with_raw_response)
        if raw is None:  # a 204 answer (deletes): nothing to show, nothing to print for --json
            return ApiResult(204, "")
        response = raw.http_response
        return ApiResult(response.status_code, response.text)

    def confirm(self, question: str) -> None:
        """Ask before a destructive step; ``--yes`` skips it, and without a terminal we refuse."""
        if self.yes:
            return
        if not stdin_is_terminal():
            raise CliError(f"{question} Refusing without a terminal: pass --yes.", ExitCode.ABORTED)
        if not typer.confirm(question, default=False, err=True):
            raise CliError("Aborted; nothing was changed.", ExitCode.ABORTED)

    def read_secret(self, label: str) -> str:
        """A secret not given as an option: a hidden prompt on a terminal, else one line of stdin
        (``printf %s "$SECRET" | astrocal …`` keeps it out of the process list and shell history)."""
        if stdin_is_terminal():
            value = typer.prompt(label, hide_input=True, err=True)
        else:
            value = sys.stdin.readline()
        value = value.strip()
        if not value:
            raise CliError(f"No {label.split(' (')[0].lower()} given.", ExitCode.USAGE)
        return value

    def emit(self, result: ApiResult, render: Callable[[Any], None]) -> None:
        """``--json``: the body verbatim; otherwise ``render(parsed body)`` for people."""
        if self.json_mode:
            self.out.raw_json(result.text)
        else:
            render(result.data)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _report_api_error(cli: Cli | None, exc: Any) -> NoReturn:
    """Print an SDK error (status, code, message, param, request id) on stderr and exit."""
    from astrocal_sdk import APIConnectionError, APIStatusError, APITimeoutError

    json_mode = cli is not None and cli.json_mode
    if isinstance(exc, APIStatusError):
        code = for_status(exc.status_code)
        if json_mode and isinstance(exc.body, dict):
            sys.stderr.write(json.dumps(exc.body) + "\n")
            raise typer.Exit(code)
        lines = [f"Error {exc.status_code}{' ' + exc.code if exc.code else ''}: {exc.message}"]
        if exc.param:
            lines.append(f"  param: {exc.param}")
        details = exc.details or {}
        for reason in details.get("reasons") or []:
            if isinstance(reason, dict):
                lines.append(f"  reason: {reason.get('code')}: {reason.get('message')}")
        alternatives = details.get("alternatives") or []
        if alternatives and cli is not None:
            from astrocal_cli.timefmt import format_instant

            lines.append("  free instead:")
            lines.extend(
                f"    {alt.get('start')}  ({format_instant(alt.get('start'), cli.tz)})"
                for alt in alternatives
                if isinstance(alt, dict)
            )
        if exc.request_id:
            lines.append(f"  request id: {exc.request_id}")
        _stderr("\n".join(lines))
        raise typer.Exit(code)
    base_url = cli.settings.base_url if cli is not None else "the API"
    if isinstance(exc, APITimeoutError):
        _stderr(f"Error: {base_url} did not answer in time. Is the server overloaded?")
        raise typer.Exit(ExitCode.NETWORK)
    if isinstance(exc, APIConnectionError):
        _stderr(
            f"Error: cannot reach {base_url} ({exc.message}). Is the server running "
            "(`astrocal serve`), and is the base URL right (`astrocal whoami`)?"
        )
        raise typer.Exit(ExitCode.NETWORK)
    _stderr(f"Error: {exc}")
    raise typer.Exit(ExitCode.ERROR)


def _stderr(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


@contextlib.contextmanager
def handle_errors(cli: Cli | None = None) -> Iterator[None]:
    try:
        yield
    except CliError as exc:
        _stderr(f"Error: {exc.message}")
        raise typer.Exit(exc.code) from None
    except ConfigError as exc:
        _stderr(f"Error: {exc}")
        raise typer.Exit(ExitCode.AUTH) from None
    except (TimeInputError, InputError) as exc:
        _stderr(f"Error: {exc}")
        raise typer.Exit(ExitCode.USAGE) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        if type(exc).__module__.startswith("astrocal_sdk"):
            _report_api_error(cli, exc)
        raise


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the API's JSON response exactly (for jq and scripts).")
]
TzOption = Annotated[
    str | None,
    typer.Option(
        "--tz",
        metavar="ZONE",
        help="Show (and read) times in this IANA zone, e.g. Europe/Berlin. Default: the local zone.",
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        help="Use this saved profile (default: ASTROCAL_PROFILE, else the default profile).",
    ),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]

_COMMON: list[tuple[str, Any, Any]] = [
    ("json_mode", JsonOption, False),
    ("tz_name", TzOption, None),
    ("profile", ProfileOption, None),
]


def command(
    group: typer.Typer,
    name: str,
    *,
    confirm: bool = False,
    options: tuple[str, ...] = ("json_mode", "tz_name", "profile"),
    **settings: Any,
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register ``fn(cli, **params)`` as ``name`` on ``group`` with the common ``options`` added
    (and ``--yes`` when ``confirm``)."""

    def decorate(fn: Callable[..., None]) -> Callable[..., None]:
        signature = inspect.signature(fn, eval_str=True)
        own = [p for name_, p in signature.parameters.items() if name_ != "cli"]
        common = [entry for entry in _COMMON if entry[0] in options]
        if confirm:
            common.append(("yes", YesOption, False))
        extra = [
            inspect.Parameter(
                pname, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default
            )
            for pname, ann, default in common
        ]

        def run(**kwargs: Any) -> None:
            options = {pname: kwargs.pop(pname) for pname, _, _ in common}
            cli: Cli | None = None
            with handle_errors(cli):
                cli = Cli(**options)
                try:
                    with handle_errors(cli):
                        fn(cli, **kwargs)
                finally:
                    cli.close()

        run.__name__ = fn.__name__
        run.__qualname__ = fn.__qualname__
        run.__doc__ = fn.__doc__
        run.__module__ = fn.__module__
        run.__signature__ = signature.replace(parameters=own + extra)  # type: ignore[attr-defined]
        group.command(name, **settings)(run)
        return fn

    return decorate
