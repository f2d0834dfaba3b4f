"""Shared test support: fixtures and helpers every test directory may use.

The root ``tests/conftest.py`` loads the fixture modules with ``pytest_plugins``; test modules
import helpers (types, builders, constants) from here and never from another test module or a
conftest. A directory's ``conftest.py`` only overrides a fixture for that directory (other
settings, another clock) or adds one that is meaningful there alone.

Modules, by concern:
- ``clocks``: ``NOW`` and the pinned ``clock``.
- ``databases``: ``db_url`` (SQLite, and a fresh PostgreSQL database per module when configured).
- ``app``: ``server_settings``, ``running_app`` and the in-process app fixtures (``app``,
  ``client``, ``make_account``, ``account``, keys and headers, ``add_booking``).
- ``live``: free loopback ports and the app served by uvicorn in a thread.
- ``bookings``: schedules, event types, ``book``, the ``outbox`` reader, and ``api``, the bundle of
  what most API tests take.
- ``invitee``: the token of a booking's links and the token API's paths.
- ``hosts``: extra hosts, the default host row, bookings that occupy several hosts.
- ``smtp`` / ``emails``: the aiosmtpd sink, throwaway TLS files, email outbox payloads.
- ``caldav`` / ``calendars``: the Radicale server, iCalendar builders, connection rows.
- ``misbehaving_http``: a loopback server that trickles its answer or sends a huge one.
- ``providers``: Google and Microsoft faked with respx (``fake``), their answers, ``sleeps``.
- ``webhooks``: the loopback webhook receiver and event helpers; ``wire``: reading one HTTP request
  off a stream (the receiver's, and bench/webhooks.py's).
- ``reminders``: an event type with reminders, draining the relay, the reminder emails received.
- ``spec`` / ``seed_examples`` / ``spec_ops``: openapi.yaml, schema validation and its operations.
- ``spec_requests``: every operation (hidden ones too), its ids, and a request built from the contract.
- ``world``: one object of each kind an account owns, in one mode, and a snapshot of them.
- ``outage``: the app's database unreachable or busy.
- ``sdk`` / ``cli``: the client-side helpers of the SDK and CLI tests.
- ``slot_reference``: the naive reference of the slot engine (the property tests', and
  bench/slots_engine.py's).
- ``browser``: headless Chromium (Playwright) and the app live on loopback for the browser tests.
"""
