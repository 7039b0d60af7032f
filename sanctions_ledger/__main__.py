"""``python -m sanctions_ledger`` runs the ``sanctions`` command."""

from sanctions_ledger.cli.main import main

main()
