"""One module per revision: ``NNNN_what.py`` with ``revision`` and ``down_revision``."""
