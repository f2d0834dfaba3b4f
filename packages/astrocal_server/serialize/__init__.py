"""Domain objects → the contract's JSON, one module per resource (see ``common``)."""
