"""One module per API area: its resource classes and their raw-response twins."""
