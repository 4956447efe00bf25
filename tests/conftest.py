"""Suite-wide settings.

Hypothesis runs derandomised by default so that the CI gate is reproducible: the same examples
on every machine and every run. Property searches with fresh random examples are run with
``HYPOTHESIS_PROFILE=explore pytest tests`` (ten times the examples); every counter-example found
that way is pinned in the test with ``@example``.
"""

import os

from hypothesis import settings

settings.register_profile("hnlgen", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hnlgen"))
