"""Model blocks: one module per concern, each registering named variables with dims."""
