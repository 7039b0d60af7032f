"""The OpenSanctions ecosystem over the ledger: FtM exports (whole, as of an instant, deltas) and yente's API
logic (matching, search, entities, catalog). Above the ledger and screening; the FtM format itself (ids,
mapping, reading, validation) is :mod:`sanctions_ledger.ftm`."""
