# SPDX-License-Identifier: Apache-2.0
"""pyzk's exception names (zk.exception), rooted in zkbio.ZKBioError so that one ``except``
clause catches both APIs. ``code``/``name`` carry the libzkbio error when one caused it (else
ZKBIO_EIO for a refused command, ZKBIO_EINVAL for a closed connection)."""
from ..errors import ZKBioError, error_name


class ZKError(ZKBioError):
    """Base of the pyzk exceptions. ``str(e)`` is the message alone, as pyzk's."""

    _default = -7  # ZKBIO_EIO

    def __init__(self, message="", code=None):
        code = self._default if code is None else code
        super().__init__(code, error_name(code), str(message))
        self.args = (str(message),)

    def __str__(self):
        return self.message


class ZKErrorConnection(ZKError):
    """The connection is not open (pyzk: "instance are not connected.")."""
    _default = -1  # ZKBIO_EINVAL


class ZKErrorResponse(ZKError):
    """The terminal refused a command or answered something unusable."""


class ZKNetworkError(ZKError):
    """The network failed (refused, timed out, closed)."""
    _default = -18  # ZKBIO_ECONN
