"""Registering commands: ``def cmd(cli: Cli, ...)`` becomes a Typer command with the common options.

Contract:

- :func:`command` shows Typer the function's own parameters followed by the common options it asks
  for (``--json``, ``--tz``, ``--profile``; ``--yes`` when ``confirm``), builds a
  :class:`~astrocal_cli.command_context.Cli` from them and runs the function inside
  :func:`~astrocal_cli.error_reporting.handle_errors`, so every failure ends in an exit code.
- A parameter annotated with an :class:`OptionGroup` subclass stands for that class's options (its
  annotated attributes): Typer sees each as an option, in declaration order, at the parameter's
  place, and the function receives one instance. Options several commands share are declared once
  that way.
- Flag names, help texts and defaults are exactly those declared; nothing here invents options.
- A :class:`CommandGroup` (``astrocal bookings …``) is declared in its module, each command with
  ``@GROUP.command(name)`` where it is defined; ``GROUP.register`` adds them in that order, which is
  the order ``--help`` lists them.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.error_reporting import handle_errors
from astrocal_cli.exit_codes import EPILOG

__all__ = ["CommandFunction", "CommandGroup", "OptionGroup", "command"]

CommandFunction = Callable[..., None]


class OptionGroup:
    """Base of a class whose annotated attributes are options several commands take::

        class Paging(OptionGroup):
            limit: Annotated[int | None, typer.Option("--limit", help="…")] = None

    Every option has a default (the class attribute). Deliberately not a dataclass: generating its
    methods would cost start-up time on every ``astrocal`` run, and this needs none of them.
    """

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - {p.name for p in _group_parameters(type(self))}
        if unknown:
            raise TypeError(f"{type(self).__name__} has no option {', '.join(sorted(unknown))}")
        self.__dict__.update(values)

    def _values(self) -> dict[str, Any]:
        return {p.name: getattr(self, p.name) for p in _group_parameters(type(self))}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, OptionGroup)
        return self._values() == other._values()

    def __repr__(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self._values().items() if v is not None)
        return f"{type(self).__name__}({given})"


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

_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def _group_class(annotation: Any) -> type[OptionGroup] | None:
    if isinstance(annotation, type) and issubclass(annotation, OptionGroup):
        return annotation
    return None


_GROUP_PARAMETERS: dict[type[OptionGroup], tuple[inspect.Parameter, ...]] = {}


def _group_parameters(group: type[OptionGroup]) -> tuple[inspect.Parameter, ...]:
    """The group's options as keyword parameters, in declaration order (computed once per class)."""
    if group not in _GROUP_PARAMETERS:
        hints = typing.get_type_hints(group, include_extras=True)
        _GROUP_PARAMETERS[group] = tuple(
            inspect.Parameter(name, _KEYWORD, annotation=hint, default=getattr(group, name))
            for name, hint in hints.items()
        )
    return _GROUP_PARAMETERS[group]


def command(
    group: typer.Typer,
    name: str,
    *,
    confirm: bool = False,
    options: tuple[str, ...] = ("json_mode", "tz_name", "profile"),
    **settings: Any,
) -> Callable[[CommandFunction], CommandFunction]:
    """Register ``fn(cli, **params)`` as ``name`` on ``group`` with the common ``options`` added
    (and ``--yes`` when ``confirm``)."""

    def decorate(fn: CommandFunction) -> CommandFunction:
        signature = inspect.signature(fn, eval_str=True)
        shown: list[inspect.Parameter] = []
        groups: dict[str, tuple[type[OptionGroup], list[str]]] = {}
        for pname, param in signature.parameters.items():
            if pname == "cli":
                continue
            option_group = _group_class(param.annotation)
            if option_group is None:
                # Keyword-only throughout: Typer passes keywords, and a group's options (with
                # defaults) may then precede parameters without one.
                shown.append(param.replace(kind=_KEYWORD))
                continue
            group_options = _group_parameters(option_group)
            groups[pname] = (option_group, [option.name for option in group_options])
            shown.extend(group_options)
        common = [entry for entry in _COMMON if entry[0] in options]
        if confirm:
            common.append(("yes", YesOption, False))
        shown.extend(
            inspect.Parameter(pname, _KEYWORD, annotation=ann, default=default)
            for pname, ann, default in common
        )
        names = [param.name for param in shown]
        assert len(names) == len(set(names)), f"{fn.__qualname__}: an option is declared twice"

        def run(**kwargs: Any) -> None:
            chosen = {pname: kwargs.pop(pname) for pname, _, _ in common}
            for pname, (option_group, field_names) in groups.items():
                kwargs[pname] = option_group(**{f: kwargs.pop(f) for f in field_names})
            cli: Cli | None = None
            with handle_errors(cli):
                cli = Cli(**chosen)
                try:
                    with handle_errors(cli):
                        fn(cli, **kwargs)
                finally:
                    cli.close()

        run.__name__ = fn.__name__
        run.__qualname__ = fn.__qualname__
        run.__doc__ = fn.__doc__
        run.__module__ = fn.__module__
        # Typer reads the parameters from the signature; this is the one it should see.
        run.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
        group.command(name, **settings)(run)
        return fn

    return decorate


class CommandGroup:
    """A group of sub-commands declared next to its commands::

    GROUP = CommandGroup("keys", "API keys: list, create, revoke.")
    register = GROUP.register  # what astrocal_cli.commands calls


    @GROUP.command("list")
    def list_command(cli: Cli, page: Paging) -> None: ...
    """

    def __init__(self, name: str, help: str, *, epilog: str | None = EPILOG) -> None:
        self.name = name
        self.help = help
        self.epilog = epilog
        self._members: list[tuple[str, CommandFunction | CommandGroup, dict[str, Any]]] = []

    def command(self, name: str, **settings: Any) -> Callable[[CommandFunction], CommandFunction]:
        """Declare the decorated function as sub-command ``name`` (``settings`` as for
        :func:`command`); the function itself is returned unchanged."""

        def declare(fn: CommandFunction) -> CommandFunction:
            self._members.append((name, fn, settings))
            return fn

        return declare

    def add(self, name: str, fn: CommandFunction, **settings: Any) -> None:
        """Declare ``fn`` (a made command, say from :mod:`astrocal_cli.resource_commands`) as
        sub-command ``name``, listed here."""
        self._members.append((name, fn, settings))

    def group(self, name: str, help: str) -> CommandGroup:
        """A nested group (``astrocal calendars connect …``), listed where it is declared."""
        nested = CommandGroup(name, help, epilog=None)
        self._members.append((name, nested, {}))
        return nested

    def register(self, parent: typer.Typer) -> None:
        sub = typer.Typer(name=self.name, help=self.help, no_args_is_help=True, epilog=self.epilog)
        parent.add_typer(sub, name=self.name)
        for name, member, settings in self._members:
            if isinstance(member, CommandGroup):
                member.register(sub)
            else:
                command(sub, name, **settings)(member)
