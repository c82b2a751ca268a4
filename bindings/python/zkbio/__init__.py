# SPDX-License-Identifier: Apache-2.0
"""zkbio: Python binding of libzkbio (ctypes; no compiled part).

Native API:
  - terminals: ``Terminal`` (TCP/UDP 4370) with User, Punch, FingerTemplate, Event, Info records;
  - fingerprints: ``Template``, ``extract``, ``extract_report`` (with a ``CaptureReport``),
    ``match``, ``merge``, ``Gallery``, ``threshold_for_fpir``;
  - readers: ``ReaderContext``, ``Reader``, ``Image``;
  - errors: ``ZKBioError(code, name, message)``.
pyzk-compatible API: ``from zkbio.zk import ZK, const``.
The shared library is found as described in ``zkbio._lib`` (ZKBIO_LIBRARY first).
"""
from . import _lib
from .errors import ZKBioError
from .terminal import Terminal, User, Punch, FingerTemplate, Event, Info
from .engine import (Template, extract, extract_report, CaptureReport, match, merge, Gallery,
                     threshold_for_fpir, MATCH_THRESHOLD, CAPTURE_QUALITY_RETAKE)
from .reader import ReaderContext, Reader, ReaderInfo, Image, sim_send

#: Version of this package.
__version__ = "0.4.0"
#: Version of the loaded libzkbio (zkbio_version()).
library_version = _lib.version
#: Path the library was loaded from.
library_path = _lib.path

__all__ = ["ZKBioError", "Terminal", "User", "Punch", "FingerTemplate", "Event", "Info",
           "Template", "extract", "extract_report", "CaptureReport", "match", "merge", "Gallery",
           "threshold_for_fpir", "MATCH_THRESHOLD", "CAPTURE_QUALITY_RETAKE",
           "ReaderContext", "Reader", "ReaderInfo", "Image", "sim_send",
           "library_version", "library_path"]
