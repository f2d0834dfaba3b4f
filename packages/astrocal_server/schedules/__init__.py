"""Schedules: working hours in a time zone with per-date overrides, their rules and lifecycle."""
