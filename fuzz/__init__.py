"""Fuzzing of pdca's importers and of ``pdca spc`` (see fuzz/run.py and docs/limits.md)."""
