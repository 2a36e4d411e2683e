"""Entry point for `python3 -m mosaic` (what ./mosaic runs)."""
import sys

from .cli import main

sys.exit(main(sys.argv[1:]))
