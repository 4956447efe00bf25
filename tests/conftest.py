"""Suite-wide settings and fixtures.

Hypothesis runs derandomised by default so that the CI gate is reproducible: the same examples
on every machine and every run. Property searches with fresh random examples are run with
``HYPOTHESIS_PROFILE=explore pytest tests`` (ten times the examples); every counter-example found
that way is pinned in the test with ``@example``.
"""

import os
import sys

import pytest
from hypothesis import settings

from physics._jit import use_command_line_opt_level

# the suite compiles its kernels as the hnlgen command line does (LLVM -O1; tests/physics/test_jit.py checks that
# -O3, a library user's default, gives the same numbers)
use_command_line_opt_level()

settings.register_profile("hnlgen", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hnlgen"))


@pytest.fixture(scope="session")
def root_python():
    """A Python that imports CERN's ROOT, for tests that read our files with ROOT itself: this interpreter if
    ``import ROOT`` works, else ``$HNLGEN_ROOT_PYTHON`` (a separate environment with the PyPI ``root`` wheel);
    the test is skipped without either."""
    try:
        import ROOT  # noqa: F401

        return sys.executable
    except ImportError:
        python = os.environ.get("HNLGEN_ROOT_PYTHON")
        if not python:
            pytest.skip("ROOT is not importable and HNLGEN_ROOT_PYTHON is not set (pip install root in a separate venv)")
        return python
