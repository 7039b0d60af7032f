"""FollowTheMoney (FtM 4) as a format: our entities out as FtM entities, FtM entity files in.

* :mod:`.ids` — the reversible mapping between our ids and list names and FtM ids and dataset names.
* :mod:`.mapping` — one ledger entity to its FtM entities (the entity, its Sanction, Address,
  Identification/Passport and link entities).
* :mod:`.reading` — FtM entity files (OpenSanctions JSON lines) to our entities (used by the parser).
* :mod:`.validate` — checks FtM entities with the ``followthemoney`` library.

These four are at the level of the model (they import only ``model`` and ``followthemoney``), so the parsers
can use them. :mod:`.export` (full exports, "as of" and deltas from the ledger) sits above the ledger.
"""

from sanctions_ledger.ftm.ids import (
    dataset_name,
    ftm_id,
    list_from_dataset,
    our_id,
)

__all__ = ["dataset_name", "ftm_id", "list_from_dataset", "our_id"]
