# SPDX-License-Identifier: Apache-2.0
"""Reader capture through zkbio with the sim backend (include/zkbio/reader.h): a folder playlist,
the socket reader fed with zkbio.sim_send, a timeout, a cancel from another thread, unplug."""
import threading
import time

import pytest

import zkbio
from zkbio import ReaderContext, Reader, ZKBioError, reader as R


def test_enumerate_and_playlist(fvc_images):
    with ReaderContext(sim="dir:" + fvc_images, backends=R.BACKEND_SIM) as ctx:
        found = ctx.readers()
        assert [r.id for r in found] == ["sim:0"] and found[0].backend == "sim"
        with ctx.open() as r:
            assert r.info().id == "sim:0"
            first = r.capture(2000)
            second = r.capture(2000)
            assert first.pixels != second.pixels
            t1, t2 = first.extract(), second.extract()
            assert zkbio.match(t1, t2) >= zkbio.MATCH_THRESHOLD  # 101_1 and 101_2
        with pytest.raises(ZKBioError) as info:
            ctx.open("sim:7")
        assert info.value.name == "ZKBIO_ENODEV"


def test_socket_reader_timeout_cancel_unplug(tmp_path, fvc_images):
    sock = str(tmp_path / "sim.sock")
    frame = None
    with ReaderContext(sim="dir:" + fvc_images, backends=R.BACKEND_SIM) as ctx:
        with ctx.open("sim:0") as r:
            frame = r.capture(2000)
    r = Reader.open("sim:0", sim="socket:" + sock, backends=R.BACKEND_SIM)
    try:
        with pytest.raises(ZKBioError) as info:
            r.capture(100)
        assert info.value.name == "ZKBIO_ETIMEDOUT"
        zkbio.sim_send(sock, frame)
        got = r.capture(2000)
        assert (got.width, got.height, got.pixels) == (frame.width, frame.height, frame.pixels)

        def cancel_soon():
            time.sleep(0.2)
            r.cancel()

        th = threading.Thread(target=cancel_soon)
        th.start()
        started = time.monotonic()
        with pytest.raises(ZKBioError) as info:
            r.capture(10000)
        th.join()
        assert info.value.name == "ZKBIO_ECANCELED" and time.monotonic() - started < 5
        zkbio.sim_send(sock, command=R.SIM_UNPLUG)
        with pytest.raises(ZKBioError) as info:
            r.capture(1000)
        assert info.value.name == "ZKBIO_EUNPLUGGED"
    finally:
        r.close()
    with pytest.raises(ZKBioError) as info:
        zkbio.sim_send(sock, frame)
    assert info.value.name == "ZKBIO_ECONN"
