"""Actions: an authority's acts on a list, with an append-only lifecycle; recorded, imported, inferred."""

from sanctions_ledger.actions.model import Action, Event, Target, When

__all__ = ["Action", "Event", "Target", "When"]
