"""Name matching: normalisation, transliteration, phonetic keys, a candidate index and explained scores.

Pure computation, no I/O: the index is built from any iterable of :class:`~sanctions_ledger.model.Entity`.
"""

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.normalize import NameForm, normalize_name
from sanctions_ledger.matching.scoring import EntityMatch, QueryFacts, score_entity

__all__ = ["EntityMatch", "MatchIndex", "NameForm", "QueryFacts", "normalize_name", "score_entity"]
