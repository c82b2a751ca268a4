# SPDX-License-Identifier: Apache-2.0
"""Fixtures: `zkbio emulate` terminals on loopback (port 0), the test data folder.

Environment (set by bindings/python/meson.build): ZKBIO_LIBRARY (the built libzkbio),
ZKBIO_CLI (the zkbio tool), ZKBIO_LAYOUT (tests/layout.c built), ZKBIO_TEST_DATA (tests/data)."""
import os
import re
import subprocess

import pytest

CLI = os.environ.get("ZKBIO_CLI", "zkbio")
DATA = os.environ.get("ZKBIO_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                                      "tests", "data"))


class Emulator:
    """A `zkbio emulate --port 0` process; .host, .port; stop() ends it."""

    def __init__(self, *args):
        cmd = [CLI, "emulate", "--port", "0", "--link-rate", "0", "--seconds", "120"]
        cmd += [str(a) for a in args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"listening on ([\d.]+):(\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError("zkbio emulate did not start: %r" % line)
        self.host, self.port = m.group(1), int(m.group(2))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


@pytest.fixture
def emulate():
    """Factory: emulate(*args) starts a terminal with those `zkbio emulate` options."""
    started = []

    def start(*args):
        e = Emulator(*args)
        started.append(e)
        return e

    yield start
    for e in started:
        e.stop()


@pytest.fixture
def terminal(emulate):
    """A default emulated terminal: 3 users, 5 punches, one template each."""
    return emulate("--users", 3, "--punches", 5)


def data(*parts):
    return os.path.join(DATA, *parts)


@pytest.fixture
def fvc_images(tmp_path):
    """A folder with the FVC2002 DB1 B images 101_1 .. 101_3 and 102_1 only (a sim reader's
    playlist, served in name order)."""
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("101_1", "101_2", "101_3", "102_1"):
        os.symlink(data("fvc", "FVC2002_DB1_B", name + ".tif"), folder / (name + ".tif"))
    return str(folder)
