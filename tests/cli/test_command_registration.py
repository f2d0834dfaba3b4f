"""How commands are registered: option groups stand for their fields (declared once, shown to Typer
in order, handed to the command as one instance), the common options follow, and event types'
``create`` and ``update`` take exactly the same field options."""

from __future__ import annotations

from typing import Annotated

import typer
from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup, OptionGroup, command
from astrocal_cli.commands import register_all
from astrocal_cli.resource_commands import get_command
from typer.core import TyperGroup
from typer.testing import CliRunner


class Window(OptionGroup):
    start: Annotated[int | None, typer.Option("--start", help="First.")] = None
    names: Annotated[list[str] | None, typer.Option("--name", help="Repeatable.")] = None


def _commands(app: typer.Typer) -> TyperGroup:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return group


def _toy() -> tuple[typer.Typer, list[object]]:
    app = typer.Typer()
    seen: list[object] = []

    def show(cli: Cli, thing: Annotated[str, typer.Argument()], window: Window) -> None:
        """Show a thing."""
        seen.append((thing, window, cli.json_mode))

    command(app, "show")(show)
    app.command("other")(lambda: None)  # two commands, so "show" stays a sub-command
    return app, seen


def test_a_group_parameter_becomes_its_fields_and_comes_back_as_one_instance() -> None:
    app, seen = _toy()
    result = CliRunner().invoke(app, ["show", "x", "--start", "3", "--name", "a", "--name", "b"])
    assert result.exit_code == 0, result.output
    assert seen == [("x", Window(start=3, names=["a", "b"]), False)]

    CliRunner().invoke(app, ["show", "y", "--json"])
    assert seen[-1] == ("y", Window(), True)


def test_the_fields_are_listed_in_order_before_the_common_options() -> None:
    app, _ = _toy()
    command_ = _commands(app).commands["show"]
    assert [p.name for p in command_.params] == [
        "thing",
        "start",
        "names",
        "json_mode",
        "tz_name",
        "profile",
    ]


def test_event_type_create_and_update_take_the_same_field_options() -> None:
    register_all()
    from astrocal_cli.app import app

    group = _commands(app).commands["event-types"]
    assert isinstance(group, TyperGroup)
    create = [p.opts for p in group.commands["create"].params]
    update = [p.opts for p in group.commands["update"].params]
    assert group.commands["update"].params[0].metavar == "EVENT_TYPE_ID"
    assert create == update[1:]
    assert len(create) == 25 + 3  # the 25 field options (--data last), then --json/--tz/--profile


def test_a_command_group_registers_what_it_declares_in_order() -> None:
    things = CommandGroup("things", "Things.")

    @things.command("list")
    def list_command(cli: Cli) -> None:
        """List things."""

    thing_id = Annotated[str, typer.Argument(metavar="THING_ID", help="thg_…")]
    things.add("get", get_command("things", thing_id, (), "Thing"))
    connect = things.group("connect", "Connect a thing.")

    @connect.command("now")
    def now_command(cli: Cli) -> None:
        """Connect now."""

    @things.command("delete", confirm=True)
    def delete_command(cli: Cli) -> None:
        """Delete a thing."""

    app = typer.Typer()
    things.register(app)
    app.command("other")(lambda: None)
    group = _commands(app).commands["things"]
    assert isinstance(group, TyperGroup)
    assert list(group.commands) == ["list", "get", "delete", "connect"]
    get = group.commands["get"]
    assert get.help == "Show one thing."
    assert [p.name for p in get.params] == ["object_id", "json_mode", "tz_name", "profile"]
    assert get.params[0].metavar == "THING_ID"
    assert "yes" in [p.name for p in group.commands["delete"].params]
    nested = group.commands["connect"]
    assert isinstance(nested, TyperGroup) and list(nested.commands) == ["now"]
