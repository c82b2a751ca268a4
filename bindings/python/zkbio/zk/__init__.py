# SPDX-License-Identifier: Apache-2.0
"""pyzk-compatible API over libzkbio: ``from zkbio.zk import ZK, const`` in place of
``from zk import ZK, const``. Submodules as pyzk's: ``base`` (ZK), ``const``, ``user`` (User),
``finger`` (Finger), ``attendance`` (Attendance), ``exception`` (ZKError, ZKErrorConnection,
ZKErrorResponse, ZKNetworkError, all subclasses of zkbio.ZKBioError)."""
# the submodules and record classes are reachable as in pyzk; `import *` gives ZK only, as pyzk
from . import const, exception  # noqa: F401
from .attendance import Attendance  # noqa: F401
from .base import ZK, ZK_helper  # noqa: F401
from .finger import Finger  # noqa: F401
from .user import User  # noqa: F401

VERSION = (0, 9)

__all__ = ["ZK"]
