"""Holds: slots reserved for a while, turned into bookings or released."""
