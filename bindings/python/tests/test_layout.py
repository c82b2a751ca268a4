# SPDX-License-Identifier: Apache-2.0
"""Every ctypes mirror of a C structure has the C compiler's size and field offsets."""
import ctypes
import os
import subprocess

from zkbio import _lib


def c_layout():
    out = subprocess.run([os.environ["ZKBIO_LAYOUT"]], check=True, capture_output=True, text=True)
    return dict(line.rsplit(" ", 1) for line in out.stdout.splitlines())


def test_structs_match_c():
    c = c_layout()
    checked = 0
    for name, cls in _lib.STRUCTS.items():
        assert int(c[name]) == ctypes.sizeof(cls), name
        for field in cls._fields_:
            key = "%s.%s" % (name, field[0])
            assert int(c[key]) == getattr(cls, field[0]).offset, key
            checked += 1
    assert checked > 100
    # every structure the program prints is mirrored (none forgotten in STRUCTS)
    assert {k for k in c if "." not in k} == set(_lib.STRUCTS)


def test_prototypes_declared():
    for name, (restype, argtypes) in _lib._PROTOS.items():
        fn = getattr(_lib.lib, name)
        assert fn.argtypes == argtypes, name
