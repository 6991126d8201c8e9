"""User interfaces: CLI (and later web). Nothing imports from here."""
