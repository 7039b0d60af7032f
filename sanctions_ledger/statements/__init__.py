"""Statements: find what a statement refers to and check it against the ledger's actions."""

from sanctions_ledger.statements.check import check_statement

__all__ = ["check_statement"]
