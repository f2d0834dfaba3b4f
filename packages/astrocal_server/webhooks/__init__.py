"""Webhooks: endpoints, Standard Webhooks signing, the SSRF guard, delivery with retries, and the
``webhook`` outbox handler that fans an event out to the endpoints that want it."""
