"""Plans: which limits an account has, the current billing period, the monthly booking quota, the
cap on webhook endpoints, and the usage report (:class:`Usage`) the ``/v1/usage`` operation shows.

Plans are server configuration (``Settings.plans``). The period is the calendar month in UTC.
Every created booking counts against the quota of the mode it was made in; cancelling does not
refund it and a reschedule does not count again (it moves a booking, it creates none).

The webhook endpoint cap (``Plan.webhook_endpoints``, 20 by default) counts an account's endpoints
in one mode, disabled ones included; it bounds how many deliveries one event fans out to
(openapi.yaml, ``webhooks.create``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from astrocal_server.config import Plan, Settings
from astrocal_server.errors import QuotaExceeded, conflict
from astrocal_server.serialize.common import format_datetime
from astrocal_server.storage.models import Account, Booking, WebhookEndpoint

__all__ = [
    "AccountPlan",
    "Usage",
    "bookings_used",
    "check_booking_quota",
    "check_webhook_endpoint_limit",
    "current_period",
    "plan_of",
    "usage_of",
]


@dataclass(frozen=True)
class AccountPlan:
    name: str
    plan: Plan


def plan_of(settings: Settings, account: Account) -> AccountPlan:
    """The account's plan; an account naming a plan the server no longer has gets the default."""
    if account.plan in settings.plans:
        return AccountPlan(account.plan, settings.plans[account.plan])
    return AccountPlan(settings.default_plan, settings.plans[settings.default_plan])


def current_period(now: datetime) -> tuple[datetime, datetime]:
    """``[first instant of this calendar month, first instant of the next)`` in UTC."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


_USED = select(func.count(Booking.id)).where(
    Booking.account_id == bindparam("account_id"),
    Booking.livemode == bindparam("livemode"),
    Booking.created_at >= bindparam("start"),
    Booking.created_at < bindparam("end"),
)


async def bookings_used(
    conn: AsyncConnection | AsyncSession,
    *,
    account_id: str,
    livemode: bool,
    period: tuple[datetime, datetime],
) -> int:
    """Bookings created in ``period`` (cancelled ones included)."""
    params = {"account_id": account_id, "livemode": livemode, "start": period[0], "end": period[1]}
    return int((await conn.execute(_USED, params)).scalar_one())


async def check_booking_quota(
    session: AsyncSession, settings: Settings, account: Account, *, livemode: bool, now: datetime
) -> None:
    """Raise ``QuotaExceeded`` (``booking_limit_reached``) when this period's quota is used up.

    Call it inside the booking's write transaction, after the per-host lock (the host is the
    account), so two concurrent creates cannot both take the last booking of the month.
    """
    chosen = plan_of(settings, account)
    limit = chosen.plan.bookings_per_month
    if limit is None:
        return
    period = current_period(now)
    used = await bookings_used(session, account_id=account.id, livemode=livemode, period=period)
    if used < limit:
        return
    resets_at = format_datetime(period[1])
    raise QuotaExceeded(
        "booking_limit_reached",
        f"The {chosen.name} plan allows {limit} bookings per month and this month's are used; "
        f"the quota resets at {resets_at}. Cancelled bookings still count.",
        details={"bookings_limit": limit, "resets_at": resets_at},
    )


async def check_webhook_endpoint_limit(
    session: AsyncSession, settings: Settings, account: Account, *, livemode: bool
) -> None:
    """Raise ``Conflict`` (``webhook_endpoint_limit_reached``) when the account already has as
    many webhook endpoints in this mode as its plan allows.

    Call it inside the write transaction that adds the endpoint. It locks the account row first
    (``FOR NO KEY UPDATE`` on PostgreSQL, which leaves foreign-key checks of other writes alone;
    SQLite's writes are serialised already), so two concurrent creates cannot both take the last
    place.
    """
    await session.execute(
        select(Account.id).where(Account.id == account.id).with_for_update(key_share=True)
    )
    chosen = plan_of(settings, account)
    limit = chosen.plan.webhook_endpoints
    count = await session.scalar(
        select(func.count(WebhookEndpoint.id)).where(
            WebhookEndpoint.account_id == account.id, WebhookEndpoint.livemode == livemode
        )
    )
    if int(count or 0) < limit:
        return
    mode = "live" if livemode else "test"
    raise conflict(
        "webhook_endpoint_limit_reached",
        f"The {chosen.name} plan allows {limit} webhook endpoints in {mode} mode and this account "
        f"has {count}; delete one you no longer need (DELETE /v1/webhooks/{{webhook_id}}), or "
        "subscribe an existing endpoint to more events (PATCH /v1/webhooks/{webhook_id}).",
        details={"webhook_endpoints_limit": limit},
    )


@dataclass(frozen=True)
class Usage:
    """An account's plan, the current period and what the period has used (in one mode)."""

    plan: str
    period_start: datetime
    period_end: datetime
    bookings_used: int
    bookings_limit: int | None
    requests_per_minute: int


async def usage_of(
    conn: AsyncConnection | AsyncSession,
    settings: Settings,
    account: Account,
    *,
    livemode: bool,
    now: datetime,
) -> Usage:
    chosen = plan_of(settings, account)
    period = current_period(now)
    used = await bookings_used(conn, account_id=account.id, livemode=livemode, period=period)
    return Usage(
        plan=chosen.name,
        period_start=period[0],
        period_end=period[1],
        bookings_used=used,
        bookings_limit=chosen.plan.bookings_per_month,
        requests_per_minute=chosen.plan.requests_per_minute,
    )
