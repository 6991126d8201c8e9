"""`python -m pdca.interfaces.cli` runs the `pdca` command."""

from pdca.interfaces.cli.app import main

main()
