"""The `pdca` command line."""
