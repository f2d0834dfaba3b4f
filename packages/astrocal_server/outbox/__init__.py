"""The transactional outbox: side effects written with the change that owes them, relayed later."""
