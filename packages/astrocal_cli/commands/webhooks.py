"""``astrocal webhooks list|get|create|delete|deliveries|retry|test|rotate-secret|listen``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from astrocal_cli.command_context import Cli
from astrocal_cli.command_registration import CommandGroup
from astrocal_cli.display_fields import DELIVERY_ROW, WEBHOOK, WEBHOOK_ROW, Field
from astrocal_cli.error_reporting import CliError
from astrocal_cli.exit_codes import ExitCode
from astrocal_cli.request_fields import given
from astrocal_cli.resource_commands import delete_command
from astrocal_cli.resource_commands import get_command as get_command_for
from astrocal_cli.result_display import show_page
from astrocal_cli.shared_options import Paging
from astrocal_cli.user_times import format_instant

__all__ = ["register"]

GROUP = CommandGroup("webhooks", "Webhook endpoints, their deliveries, retries and secrets.")
register = GROUP.register

EVENTS = (
    "booking.created",
    "booking.updated",
    "booking.cancelled",
    "booking.rescheduled",
    "booking.reminder",
    "calendar_connection.error",
)
IdArg = Annotated[str, typer.Argument(metavar="WEBHOOK_ID", help="wh_…")]
DELIVERY_TABLE = (
    *DELIVERY_ROW,
    Field("Last answer", "last_attempt.response_status"),
    Field("Last error", "last_attempt.error"),
    Field("ms", "last_attempt.duration_ms"),
)


@GROUP.command("list")
def list_command(cli: Cli, page: Paging) -> None:
    """List webhook endpoints."""
    result = cli.call("Fetching webhooks", lambda c: c.webhooks.list(**page.params()))
    show_page(cli, result, WEBHOOK_ROW, title="Webhooks", empty="No webhook endpoints yet.")


GROUP.add(
    "get", get_command_for("webhooks", IdArg, WEBHOOK, "Webhook", doc="Show one webhook endpoint.")
)


@GROUP.command("create")
def create_command(
    cli: Cli,
    url: Annotated[str, typer.Option("--url", help="Where deliveries are POSTed.")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            help=f"An event to receive (repeatable). Default: all of {', '.join(EVENTS)}.",
        ),
    ] = None,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add a webhook endpoint; prints its signing secret once."""
    params = given(url=url, events=list(event or EVENTS), description=description)
    result = cli.call("Creating the webhook", lambda c: c.webhooks.create(**params))

    def render(body: dict[str, Any]) -> None:
        cli.out.detail(body, [f for f in WEBHOOK if f.path != "secret"], title="Created webhook")
        cli.out.secret("Signing secret", body.get("secret", ""))

    cli.emit(result, render)


GROUP.add(
    "delete",
    delete_command(
        "webhooks", "webhook", IdArg, doc="Delete a webhook endpoint (asks first).",
        question=" It stops receiving events at once.",
    ),
    confirm=True,
)  # fmt: skip


@GROUP.command("deliveries")
def deliveries_command(
    cli: Cli,
    webhook_id: IdArg,
    status: Annotated[
        str | None, typer.Option(metavar="STATUS", help="pending, succeeded or failed.")
    ] = None,
    *,
    page: Paging,
) -> None:
    """List a webhook's deliveries with their latest attempt."""
    params = given(status=status, **page.params())
    result = cli.call(
        "Fetching deliveries", lambda c: c.webhooks.deliveries.list(webhook_id, **params)
    )

    def render(page: dict[str, Any]) -> None:
        rows = [
            {**d, "last_attempt": (d.get("attempts") or [None])[-1]} for d in page.get("data") or []
        ]
        more = f"More results: add --cursor {page['next_cursor']}" if page.get("has_more") else None
        cli.out.table(
            rows, DELIVERY_TABLE, title="Deliveries", empty="No deliveries yet.", more=more
        )

    cli.emit(result, render)


@GROUP.command("retry")
def retry_command(
    cli: Cli,
    webhook_id: IdArg,
    delivery_id: Annotated[str, typer.Argument(metavar="DELIVERY_ID", help="whd_…")],
) -> None:
    """Send a delivery again now."""
    result = cli.call(
        "Scheduling a retry",
        lambda c: c.webhooks.deliveries.retry(webhook_id, delivery_id),
    )

    def render(body: dict[str, Any]) -> None:
        when = format_instant(body.get("next_attempt_at"), cli.tz) or "now"
        cli.out.line(f"Delivery {body.get('id')} will be attempted again at {when}.")

    cli.emit(result, render)


@GROUP.command("test")
def test_command(cli: Cli, webhook_id: IdArg) -> None:
    """Send a webhook.test event to the endpoint."""
    result = cli.call("Sending a test event", lambda c: c.webhooks.test(webhook_id))

    def render(body: dict[str, Any]) -> None:
        cli.out.line(
            f"Queued test delivery {body.get('id')}; follow it with "
            f"`astrocal webhooks deliveries {webhook_id}`."
        )

    cli.emit(result, render)


@GROUP.command("rotate-secret", confirm=True)
def rotate_secret_command(cli: Cli, webhook_id: IdArg) -> None:
    """Issue a new signing secret; the old one keeps signing alongside it for 24 hours."""
    cli.confirm(f"Rotate the signing secret of {webhook_id}?")
    result = cli.call("Rotating the secret", lambda c: c.webhooks.rotate_secret(webhook_id))

    def render(body: dict[str, Any]) -> None:
        cli.out.secret("New signing secret", body.get("secret", ""))
        expires = format_instant(body.get("previous_secret_expires_at"), cli.tz)
        cli.out.line(f"The previous secret keeps signing until {expires}.")

    cli.emit(result, render)


@GROUP.command("listen")
def listen_command(
    cli: Cli,
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 9000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    secret: Annotated[
        list[str] | None,
        typer.Option(
            "--secret",
            envvar="ASTROCAL_WEBHOOK_SECRET",
            help="whsec_… to verify signatures with (repeatable during a rotation).",
        ),
    ] = None,
    tolerance: Annotated[
        int, typer.Option(help="Seconds a signature's timestamp may differ from now.", min=1)
    ] = 300,
    count: Annotated[
        int | None, typer.Option(help="Exit after this many deliveries.", min=1)
    ] = None,
) -> None:
    """Receive webhook deliveries on this machine and print them (verified when --secret is given). Point an endpoint at it with `astrocal webhooks create --url http://127.0.0.1:9000/`; the server must allow private targets (ASTROCAL_ALLOW_PRIVATE_WEBHOOK_TARGETS=true)."""
    import threading

    from astrocal_cli.webhook_listener import Delivery, Listener

    received = 0
    done = threading.Event()

    def show(delivery: Delivery) -> None:
        nonlocal received
        received += 1
        event = delivery.event
        if cli.json_mode:
            cli.out.raw_json(delivery.body.decode("utf-8", "replace"))
        else:
            payload = event.get("data")
            data = payload if isinstance(payload, dict) else {}
            mark = {True: "verified", False: f"REJECTED ({delivery.error})", None: "unverified"}
            cli.out.line(
                f"{format_instant(event.get('timestamp'), cli.tz)}  {event.get('type')}  "
                f"{data.get('id', '')}  webhook-id {delivery.headers.get('webhook-id')}  "
                f"{mark[delivery.verified]}"
            )
        if count is not None and received >= count:
            done.set()

    try:
        listener = Listener(
            host, port, secrets=list(secret or []), tolerance=tolerance, on_delivery=show
        )
    except OSError as exc:
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror}", ExitCode.USAGE) from None
    thread = threading.Thread(target=listener.serve, daemon=True)
    thread.start()
    cli.out.note(f"Listening on {listener.url} (Ctrl-C to stop)")
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
        listener.close()
