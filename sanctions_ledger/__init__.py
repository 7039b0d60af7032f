"""Sanctions Ledger: a versioned record of official sanctions lists, screening and statement checking."""

__version__ = "0.1.0"
