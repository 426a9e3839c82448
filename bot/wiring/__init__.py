"""Channel wiring that still needs the composition root (settings, Redis stores, the command handler)."""
