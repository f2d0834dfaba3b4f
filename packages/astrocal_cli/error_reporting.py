"""How a failure reaches the user: one message on stderr and an exit code from :mod:`exit_codes`.

Contract (the README's "Errors and exit codes" table is the user-facing side of it):

- Every command body runs inside :func:`handle_errors`. It turns :class:`CliError` (a command's own
  refusal), a broken profiles file, unreadable input (dates, zones, ``--data``…) and the SDK's
  errors into a message on stderr and ``typer.Exit(code)``; stdout is never written, so it stays
  clean for ``jq``.
- With ``--json`` an API error's body goes to stderr as the API sent it.
- Anything else propagates unchanged: a bug shows its traceback rather than a guessed message.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

import typer

from astrocal_cli.exit_codes import ExitCode, for_status
from astrocal_cli.profiles import ConfigError
from astrocal_cli.request_fields import InputError
from astrocal_cli.user_times import TimeInputError

if TYPE_CHECKING:
    from astrocal_cli.command_context import Cli

__all__ = ["CliError", "handle_errors"]


class CliError(Exception):
    """A failure with a message for the user and the exit code scripts see."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _report_api_error(cli: Cli | None, exc: Exception) -> NoReturn:
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
            from astrocal_cli.user_times import format_instant

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
