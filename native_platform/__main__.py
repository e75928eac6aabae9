import sys

from native_platform.cli import main

sys.exit(main())
