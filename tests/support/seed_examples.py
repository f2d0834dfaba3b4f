"""The product page's examples, copied literally: request bodies as the page sends them, and the
page's responses, which are abbreviated (they leave out fields every response carries)."""

from __future__ import annotations

SEED_AVAILABILITY_CURL_DATA = "event_type_id=evt_abc123&date=2026-04-15"
SEED_AVAILABILITY_RESPONSE = {
    "data": [
        {"start": "2026-04-15T09:00:00Z", "end": "2026-04-15T09:30:00Z"},
        {"start": "2026-04-15T10:00:00Z", "end": "2026-04-15T10:30:00Z"},
        {"start": "2026-04-15T14:00:00Z", "end": "2026-04-15T14:30:00Z"},
    ]
}
SEED_BOOKING_REQUEST = {
    "event_type_id": "evt_abc123",
    "start": "2026-04-15T14:00:00Z",
    "invitee": {"name": "Jo Smith", "email": "jo@acme.com"},
    "metadata": {"source": "website"},
}
SEED_BOOKING_RESPONSE = {
    "id": "bk_7f3a9c2e",
    "status": "confirmed",
    "start": "2026-04-15T14:00:00Z",
    "end": "2026-04-15T14:30:00Z",
    "invitee": {"name": "Jo Smith", "email": "jo@acme.com"},
    "created_at": "2026-04-10T12:00:00Z",
}
SEED_CANCEL_REQUEST = {"reason": "Customer requested cancellation"}
SEED_CANCEL_RESPONSE = {
    "id": "bk_7f3a9c2e",
    "status": "cancelled",
    "cancelled_at": "2026-04-12T08:30:00Z",
}
SEED_WEBHOOK_REQUEST = {
    "url": "https://your-app.com/webhooks/astrocal",
    "events": ["booking.created", "booking.cancelled", "booking.rescheduled"],
}
SEED_WEBHOOK_RESPONSE = {
    "id": "wh_e4b2d1a8",
    "url": "https://your-app.com/webhooks/astrocal",
    "events": ["booking.created", "booking.cancelled", "booking.rescheduled"],
    "secret": "whsec_...",
    "created_at": "2026-04-10T12:05:00Z",
}
# The page elides the secret as "whsec_..."; a real one is whsec_ + base64.
REAL_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
