"""Commands that several resource groups have in the same shape, written once.

- :func:`list_command` makes ``astrocal <group> list``: one page of objects as a table, with the
  group's :class:`~astrocal_cli.shared_options.ListFilter` options before the paging ones.
- :func:`get_command` makes ``astrocal <group> get ID``: fetch one object, show its detail.
- :func:`save_commands` makes ``create`` and ``update ID`` from one such group of options.
- :func:`delete_command` makes ``delete ID`` (asks first; ``--force`` where the API takes it).
- :func:`save_fields` is the body of a ``create``/``update`` command whose options are an
  :class:`~astrocal_cli.command_registration.OptionGroup` with a ``body()`` (the API's fields).

The words follow the object's noun ("Fetching the schedule", "Created schedule"); a command's help
is its docstring, which a caller may word otherwise.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandFunction, CommandGroup, OptionGroup
from astrocal_cli.display_fields import Field
from astrocal_cli.request_fields import given, sdk_kwargs
from astrocal_cli.result_display import show_done, show_one, show_page
from astrocal_cli.shared_options import ListFilter, Paging

__all__ = [
    "delete_command",
    "get_command",
    "list_command",
    "save_commands",
    "save_fields",
]

_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD
_KEYWORD = inspect.Parameter.KEYWORD_ONLY


def list_command(
    resource: str, row: Sequence[Field], title: str, empty: str, doc: str, *filters: ListFilter,
    waiting: str = "",
) -> CommandFunction:  # fmt: skip
    """``list``: ``client.<resource>.list(**filters, limit=…, cursor=…)``, shown as a table of
    ``row`` under ``title`` (``empty`` when there is none), ``filters`` before the paging options
    in ``--help``; ``waiting`` (default "Fetching <title>") is shown while the call runs."""
    waiting = waiting or f"Fetching {title.lower()}"

    def list_(cli: Cli, page: Paging, **values: Any) -> None:
        params = given(**{f.api: f.value(cli, values[f.name]) for f in filters}, **page.params())

        def fetch(client: Any) -> Any:
            return getattr(client, resource).list(**params)

        show_page(cli, cli.call(waiting, fetch), row, title=title, empty=empty)

    list_.__doc__ = doc
    # Typer reads the options from the signature: the filters, then the paging options.
    list_.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("cli", _POSITIONAL, annotation=Cli),
            *(
                inspect.Parameter(
                    f.name, _KEYWORD, annotation=Annotated[f.kind | None, f.option], default=None
                )
                for f in filters
            ),
            inspect.Parameter("page", _KEYWORD, annotation=Paging),
        ]
    )
    return list_


def get_command(
    resource: str, id_arg: Any, fields: Sequence[Field], title: str, *, doc: str = ""
) -> CommandFunction:
    """``get ID``: ``client.<resource>.retrieve(ID)``, shown under ``title`` (``id_arg`` is the
    argument's ``Annotated`` type: its metavar and help)."""
    noun = title.lower()

    def get(cli: Cli, object_id: str) -> None:
        def retrieve(client: Any) -> Any:
            return getattr(client, resource).retrieve(object_id)

        show_one(cli, cli.call(f"Fetching the {noun}", retrieve), fields, title=title)

    get.__doc__ = doc or f"Show one {noun}."
    # Typer reads the argument from the signature; the annotation is only known here.
    get.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("cli", _POSITIONAL, annotation=Cli),
            inspect.Parameter("object_id", _POSITIONAL, annotation=id_arg),
        ]
    )
    return get


def delete_command(
    resource: str, noun: str, id_arg: Any, *, doc: str, question: str = "",
    force_help: str | None = None,
) -> CommandFunction:  # fmt: skip
    """``delete ID``: asks ``question`` (default "Delete <noun> ID?"; register the command with
    ``confirm=True`` so ``--yes`` skips it), then ``client.<resource>.delete(ID)``; with
    ``force_help``, a ``--force`` flag passed on as ``force=True``."""

    def delete(cli: Cli, object_id: str, force: bool = False) -> None:
        cli.confirm(f"Delete {noun} {object_id}?{question}")
        params = given(force=force or None)

        def remove(client: Any) -> Any:
            return getattr(client, resource).delete(object_id, **params)

        show_done(cli, cli.call(f"Deleting the {noun}", remove), f"Deleted {noun} {object_id}.")

    delete.__doc__ = doc
    parameters = [
        inspect.Parameter("cli", _POSITIONAL, annotation=Cli),
        inspect.Parameter("object_id", _POSITIONAL, annotation=id_arg),
    ]
    if force_help is not None:
        flag = Annotated[bool, typer.Option("--force", help=force_help)]
        parameters.append(inspect.Parameter("force", _POSITIONAL, annotation=flag, default=False))
    # Typer reads the parameters from the signature; the annotations are only known here.
    delete.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return delete


_VERBS = {"create": ("Creating", "Created"), "update": ("Updating", "Updated")}


def save_fields(
    cli: Cli, method: str, resource: str, noun: str, body: Mapping[str, Any],
    fields: Sequence[Field], *ids: str,
) -> None:  # fmt: skip
    """``client.<resource>.<method>(*ids, **body)`` (``create`` or ``update``), the result shown in
    detail; a ``body`` field the SDK method does not take is a usage error naming the command."""
    doing, done = _VERBS[method]
    command = f"{resource.replace('_', '-')} {method}"

    def save(client: Any) -> Any:
        sdk_method = getattr(getattr(client, resource), method)
        return sdk_method(*ids, **sdk_kwargs(sdk_method, body, command))

    show_one(cli, cli.call(f"{doing} the {noun}", save), fields, title=f"{done} {noun}")


def save_commands(
    group: CommandGroup, resource: str, noun: str, options: type[OptionGroup], id_arg: Any,
    fields: Sequence[Field], *, create_doc: str, update_doc: str,
) -> None:  # fmt: skip
    """Adds ``create`` (``client.<resource>.create(**body)``) and ``update ID`` to ``group``;
    ``options`` is the OptionGroup both take (its ``body()`` is the API's fields) and ``id_arg``
    the ``update`` argument's ``Annotated`` type."""

    def create(cli: Cli, values: Any) -> None:
        save_fields(cli, "create", resource, noun, values.body(), fields)

    def update(cli: Cli, object_id: str, values: Any) -> None:
        save_fields(cli, "update", resource, noun, values.body(), fields, object_id)

    create.__doc__, update.__doc__ = create_doc, update_doc
    cli_param = inspect.Parameter("cli", _POSITIONAL, annotation=Cli)
    body_param = inspect.Parameter("values", _POSITIONAL, annotation=options)
    id_param = inspect.Parameter("object_id", _POSITIONAL, annotation=id_arg)
    # Typer reads the parameters from the signature; the annotations are only known here.
    create.__signature__ = inspect.Signature([cli_param, body_param])  # type: ignore[attr-defined]
    update.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [cli_param, id_param, body_param]
    )
    group.add("create", create)
    group.add("update", update)
