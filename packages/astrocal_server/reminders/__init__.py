"""Booking reminders: planned as outbox rows with the booking's changes, sent by the relay."""
