# SPDX-License-Identifier: Apache-2.0
"""The one exception class of the package, from libzkbio's error enum (include/zkbio/error.h)."""
from . import _lib


class ZKBioError(Exception):
    """A libzkbio call failed.

    Attributes: ``code`` (int, a negative ``zkbio_error`` value such as -18), ``name`` (str, its
    symbolic name such as ``"ZKBIO_ECONN"``, from ``zkbio_error_name``) and ``message`` (str: the
    handle's last-error text when there is one, else ``zkbio_strerror(code)``). ``str(e)`` is
    ``"ZKBIO_ECONN: <message>"``. The pyzk shim's exceptions (``zkbio.zk.exception``) subclass it.
    """

    def __init__(self, code, name=None, message=None):
        self.code = int(code)
        self.name = name if name is not None else error_name(self.code)
        self.message = message if message else strerror(self.code)
        super().__init__(self.code, self.name, self.message)

    def __str__(self):
        return "%s: %s" % (self.name, self.message)


def error_name(code):
    """``zkbio_error_name(code)`` as str ("ZKBIO_UNKNOWN" for an unknown code)."""
    return _lib.lib.zkbio_error_name(int(code)).decode("ascii", "replace")


def strerror(code):
    """``zkbio_strerror(code)`` as str (English)."""
    return _lib.lib.zkbio_strerror(int(code)).decode("utf-8", "replace")


def check(rc, detail=None):
    """Raise ZKBioError when ``rc`` is negative; return it otherwise. ``detail`` (str or a
    callable returning str) replaces the generic message when it is not empty."""
    if rc < 0:
        text = detail() if callable(detail) else detail
        raise ZKBioError(rc, error_name(rc), text or None)
    return rc


# Error codes as module constants: zkbio.errors.ECONN == -18 ...
OK = 0
EINVAL, ENOMEM, ENOSPC, EPROTO, ENOENT, ENOTSUP, EIO, ETIMEDOUT, ERANGE = range(-1, -10, -1)
EENCODING, EBUSY, EDB, EEXIST, EACCES, ECANCELED, ENODEV, ETOOBIG, ECONN = range(-10, -19, -1)
EUNAVAIL, ELOWQUALITY, EMISMATCH, EUNPLUGGED, EBACKEND = range(-19, -24, -1)
