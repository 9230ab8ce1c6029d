"""``python -m dispatch`` runs the command line."""

from dispatch.cli import main

main()
