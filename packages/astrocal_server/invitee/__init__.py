"""Invitee self-service: the links a booking's invitee uses without an API key."""
