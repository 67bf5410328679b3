"""`python -m blog.validate`: what scripts/validate runs once the checkers are installed."""

import sys

from .run import main

sys.exit(main())
