"""Booking emails: the iTIP invite (``ics``), the MIME message (``message``), how it leaves the
process (``backends``) and the outbox consumer that ties them together (``outbox``).
"""

__all__: list[str] = []
