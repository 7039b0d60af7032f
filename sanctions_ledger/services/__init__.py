"""Use cases that span several core packages, for every entry point (CLI, API, pages) to call.

A use case here needs packages that sit side by side below it (the ledger with monitoring, statements or
opensanctions); one that needs a single package lives in that package (recording an action is
:mod:`sanctions_ledger.actions.record`). :mod:`.loading` loads snapshots and then runs the post-load steps
its caller passes.
"""
