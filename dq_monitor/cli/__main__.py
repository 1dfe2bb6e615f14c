import sys

from dq_monitor.cli import main

sys.exit(main())
