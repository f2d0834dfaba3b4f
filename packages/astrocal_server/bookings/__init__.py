"""Bookings: the lifecycle (create, update, cancel, reschedule), its rules and its side effects."""
