"""Event types: what can be booked, for how long, on which schedule, with which rules."""
