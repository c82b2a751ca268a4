# SPDX-License-Identifier: Apache-2.0
"""Run the binding's tests with Debian's pytest: ``/usr/bin/python3 run_pytest.py TESTS_DIR``
(the same as ``/usr/bin/python3 -m pytest -q -p no:cacheprovider TESTS_DIR``). Exits 77 (a skip for
meson; a failure in CI, where ZKBIO_REQUIRE_ALL_TESTS=1) when pytest is not installed."""
import sys

try:
    import pytest
except ImportError:
    print("pytest is not installed for %s (apt-get install python3-pytest)" % sys.executable)
    sys.exit(77)

rc = pytest.main(["-q", "-p", "no:cacheprovider",
                  "-W", "error::pytest.PytestUnraisableExceptionWarning"] + sys.argv[1:])
sys.exit(int(rc))
