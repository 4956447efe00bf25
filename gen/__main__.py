import sys

from gen.cli.app import main

sys.exit(main())
