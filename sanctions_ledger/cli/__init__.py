"""Command-line interface (``sanctions``)."""
