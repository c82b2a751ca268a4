# SPDX-License-Identifier: Apache-2.0
"""The fingerprint engine through zkbio: templates (ISO/ANSI/native in and out), extraction from
files and from grey bytes, 1:1 match, merge, the 1:N gallery; on tests/data (FVC2002 DB1 B)."""
import threading

import pytest

import zkbio
from zkbio import Template, Gallery, ZKBioError, extract, match, merge
from conftest import data

FVC = ("fvc", "FVC2002_DB1_B")


def iso(name):
    with open(data(*FVC, name + ".iso"), "rb") as f:
        return f.read()


def test_template_formats_round_trip():
    raw = iso("101_1")
    with Template(raw) as t:
        assert t.minutiae > 10 and t.views == 1
        for export in (t.iso, t.ansi, t.native):
            again = Template(export())
            assert again.minutiae == t.minutiae
            assert match(t, again) > 100
        assert Template(t.iso()).iso() == t.iso()
        assert t.ansi()[:4] == b"FMR\x00" and t.iso()[:4] == b"FMR\x00"
    assert t._p is None and repr(t) == "<zkbio.Template closed>"
    with pytest.raises(ZKBioError):
        t.iso()


def test_bad_template_bytes():
    with pytest.raises(ZKBioError) as info:
        Template(b"FMR\x00 20\x00 not a template")
    assert info.value.code < 0 and info.value.message
    with pytest.raises(ZKBioError):
        Template(iso("101_1")[:-3] + b"")


def test_match_scores():
    same = match(iso("101_1"), iso("101_2"))
    other = match(iso("101_1"), iso("102_1"))
    assert same >= zkbio.MATCH_THRESHOLD > other


def test_extract_from_file_and_grey_bytes(fvc_images):
    t = extract(data(*FVC, "101_1.tif"))
    assert t.minutiae >= 10 and 0 < t.quality <= 100 and t.info["minutiae"] == t.minutiae
    # the same pixels as raw grey bytes give the same template (extraction is deterministic)
    with zkbio.ReaderContext(sim="dir:" + fvc_images, backends=1) as ctx:
        with ctx.open("sim:0") as r:
            img = r.capture(2000)  # 101_1.tif, the first file of the folder
    assert (img.width, img.height) == (388, 374) and len(img.pixels) == 388 * 374
    g = extract(img.pixels, img.width, img.height, img.dpi)
    assert g.iso() == t.iso()
    assert match(t, extract(data(*FVC, "101_2.tif"))) >= zkbio.MATCH_THRESHOLD


def test_extract_errors():
    with pytest.raises(ZKBioError) as info:
        extract(bytes([255]) * (300 * 300), 300, 300, 500)  # blank: nothing to extract
    assert info.value.name == "ZKBIO_ELOWQUALITY" and "unusable image" in info.value.message
    with pytest.raises(ZKBioError) as info:
        extract(b"\x00" * 10, 300, 300)
    assert info.value.name == "ZKBIO_EINVAL"
    with pytest.raises(ZKBioError):
        extract(data(*FVC, "no-such-file.tif"))


def test_merge():
    m = merge([iso("101_1"), iso("101_2"), iso("101_3")])
    assert m.views == 3
    assert match(m, iso("101_4")) >= zkbio.MATCH_THRESHOLD
    assert Template(m.native()).views == 3
    with pytest.raises(ZKBioError) as info:
        merge([iso("101_1"), iso("102_1"), iso("103_1")])
    assert info.value.name == "ZKBIO_EMISMATCH"
    with pytest.raises(ZKBioError):
        merge([iso("101_1")])


def test_gallery_identify():
    with Gallery(threads=2) as g:
        for i, name in enumerate(["101_1", "102_1", "103_1", "104_1", "105_1"], start=1):
            g.add(i, iso(name))
        assert len(g) == 5
        top = g.identify(iso("103_2"), k=3)
        assert top and top[0][0] == 3 and top[0][1] >= zkbio.MATCH_THRESHOLD
        assert g.identify(iso("106_1"), threshold=1000) == []
        results = []
        threads = [threading.Thread(target=lambda: results.append(g.identify(iso("102_2"))))
                   for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert [r[0][0] for r in results] == [2] * 4
        g.remove(3)
        assert g.identify(iso("103_2"), k=3)[:1] != [(3, top[0][1])]
        with pytest.raises(ZKBioError) as info:
            g.remove(3)
        assert info.value.name == "ZKBIO_ENOENT"
        g.clear()
        assert len(g) == 0
    with pytest.raises(ZKBioError):
        len(g)
