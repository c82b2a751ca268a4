# SPDX-License-Identifier: Apache-2.0
"""pyzk-compatible API over libzkbio: ``from zkbio.zk import ZK, const`` in place of
``from zk import ZK, const``. Submodules as pyzk's: ``base`` (ZK), ``const``, ``user`` (User),
``finger`` (Finger), ``attendance`` (Attendance), ``exception`` (ZKError, ZKErrorConnection,
ZKErrorResponse, ZKNetworkError, all subclasses of zkbio.ZKBioError)."""
from . import const, exception
from .attendance import Attendance
from .base import ZK, ZK_helper
from .finger import Finger
from .user import User

VERSION = (0, 9)

__all__ = ["ZK"]
