"""The context every API command gets: :class:`Cli`, built from the common options.

Contract:

- ``Cli`` holds what the common options chose (``--json``, ``--tz``, ``--profile``, ``--yes``),
  the profile resolved from the profiles file and the environment, and one SDK client, built on
  first use (commands that never call the API never import the SDK).
- :meth:`Cli.call` goes through the SDK's raw-response view, so retries, idempotency keys and
  typed errors stay the SDK's while ``--json`` prints the response body byte for byte.
- In ``--json`` mode stdout carries only the API's body (see :mod:`astrocal_cli.output`).
- Destructive steps ask first; ``--yes`` skips the question and without a terminal they refuse.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

import typer

from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.output import Output
from astrocal_cli.profiles import ConfigFile, Resolved, resolve
from astrocal_cli.request_fields import InputError
from astrocal_cli.user_times import TimeInputError, zone

if TYPE_CHECKING:
    from astrocal_sdk import Astrocal

__all__ = ["ApiResult", "Cli", "stdin_is_terminal"]


def stdin_is_terminal() -> bool:
    """Whether someone can answer a prompt (tests replace this to play the person)."""
    return sys.stdin.isatty()


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

    def client(self, *, key_needed: bool = True) -> Astrocal:
        """The SDK client of the profile. ``key_needed=False``: operations whose credential is
        elsewhere (an invitee link's token) run without a saved key too."""
        if self._client is None:
            settings = self.settings
            if not settings.api_key and not key_needed:
                from astrocal_sdk import Astrocal

                # The server ignores the key on these routes; the SDK only wants one given.
                self._client = Astrocal(api_key="sk_none", base_url=settings.base_url)
                return self._client
            if not settings.api_key:
                raise CliError(
                    f"No API key for profile {settings.profile!r}. Run `astrocal login` "
                    "(or `astrocal init` on a fresh database), or set ASTROCAL_API_KEY.",
                    ExitCode.AUTH,
                )
            from astrocal_sdk import Astrocal

            self._client = Astrocal(api_key=settings.api_key, base_url=settings.base_url)
        return self._client

    def call(
        self, waiting: str, operation: Callable[[Any], Any], *, key_needed: bool = True
    ) -> ApiResult:
        """Run ``operation(client.with_raw_response)`` under a spinner; the raw response's body."""
        client = self.client(key_needed=key_needed)
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
        value: str
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
