"""``client.hosts`` (async in process, sync over loopback HTTP): CRUD, the ``external_id`` filter
with auto-pagination, conflicts, and schedules made for a host."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from astrocal_sdk import Astrocal, AsyncAstrocal, ConflictError, NotFoundError, SyncPage, types


async def test_async_hosts_crud_filter_and_pages(aclient: AsyncAstrocal) -> None:
    made = [
        await aclient.hosts.create(
            name=f"Tutor {n}", external_id=f"tutor-{n}", time_zone=ZoneInfo("Asia/Tokyo")
        )
        for n in range(3)
    ]
    assert all(isinstance(h, types.Host) and h.id.startswith("host_") for h in made)
    assert made[0].time_zone == "Asia/Tokyo" and made[0].default_schedule_id
    every = [h.id async for h in aclient.hosts.list(limit=2)]  # walks every page
    assert len(every) == 4 and set(every) >= {h.id for h in made}
    found = await aclient.hosts.list(external_id="tutor-1")
    assert [h.id for h in found.data] == [made[1].id]
    with pytest.raises(ConflictError) as taken:
        await aclient.hosts.create(name="Again", external_id="tutor-1")
    assert taken.value.code == "host_external_id_taken" and taken.value.param == "external_id"
    changed = await aclient.hosts.update(made[0].id, email="tutor@example.com", external_id=None)
    assert changed.email == "tutor@example.com" and changed.external_id is None
    schedule = await aclient.schedules.create(name="Evenings", host_id=made[0].id)
    assert schedule.host_id == made[0].id
    await aclient.hosts.delete(made[0].id)
    with pytest.raises(NotFoundError):
        await aclient.hosts.retrieve(made[0].id)


def test_sync_hosts_crud_and_default_host(sync_client: Astrocal) -> None:
    page = sync_client.hosts.list()
    assert isinstance(page, SyncPage)
    default = next(h for h in page if h.is_default)
    with pytest.raises(ConflictError) as refused:
        sync_client.hosts.delete(default.id, force=True)
    assert refused.value.code == "default_host"
    host = sync_client.hosts.create(name="Dr. Ruiz", external_id="u-1", metadata={"a": "b"})
    got = sync_client.hosts.retrieve(host.id)
    assert got == host
    assert [h.id for h in sync_client.hosts.list(external_id="u-1")] == [host.id]
    updated = sync_client.hosts.update(host.id, active=False)
    assert updated.active is False
    sync_client.hosts.delete(host.id)
    assert list(sync_client.hosts.list(external_id="u-1")) == []
