"""``python -m geo.cli``: the ``tenglong`` command line."""

from geo.cli import main

main()
