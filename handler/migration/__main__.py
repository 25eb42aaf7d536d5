"""``python -m handler.migration``: the same as ``python -m handler migrate-customers``."""

import sys

from handler.migration.command import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
