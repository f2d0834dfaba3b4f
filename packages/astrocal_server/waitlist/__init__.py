"""The waitlist: people queued for a slot that is taken, promoted with a hold when it frees."""
