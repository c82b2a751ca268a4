# SPDX-License-Identifier: Apache-2.0
"""The pyzk compatibility measure: each example script (bindings/python/examples, pyzk's API with
``from zkbio.zk import ...``) prints exactly what real pyzk printed for the same script against the
same emulated terminal (examples/expected/NAME.txt, recorded with pyzk; examples/README.md).
Lines that change from run to run (the port, the emulator's random MAC) are normalised. The scripts
run in this interpreter (runpy, as ``__main__``, with their own argv) to keep the test short."""
import contextlib
import io
import os
import re
import runpy
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def scenarios():
    with open(os.path.join(EXAMPLES, "scenarios.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, script, transport, *args = line.split()
                yield pytest.param(script, transport, args, id=name)


def normalise(text):
    text = re.sub(r"127\.0\.0\.1:[0-9]+", "127.0.0.1:PORT", text)
    return re.sub(r"00:17:61(:[0-9a-f]{2}){3}", "00:17:61:xx:xx:xx", text)


@pytest.mark.parametrize("script,transport,args", scenarios())
def test_example_prints_what_pyzk_prints(emulate, request, script, transport, args):
    e = emulate(*args)
    out, err = io.StringIO(), io.StringIO()
    argv, path = sys.argv, list(sys.path)
    sys.argv = [script, e.host, str(e.port), transport]
    sys.path.insert(0, EXAMPLES)
    sys.modules.pop("_target", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(os.path.join(EXAMPLES, script), run_name="__main__")
    finally:
        sys.argv, sys.path[:] = argv, path
        sys.modules.pop("_target", None)
    assert err.getvalue() == ""
    with open(os.path.join(EXAMPLES, "expected", request.node.callspec.id + ".txt")) as f:
        expected = f.read()
    assert normalise(out.getvalue()) == expected
