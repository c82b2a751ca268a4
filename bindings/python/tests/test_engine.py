# SPDX-License-Identifier: Apache-2.0
"""The fingerprint engine through zkbio: templates (ISO/ANSI/native in and out), extraction from
files and from grey bytes, the capture quality report, 1:1 match, merge, the 1:N gallery and its
FPIR decision rule; on tests/data (FVC2002 DB1 B)."""
import math
import threading

import pytest

import zkbio
from zkbio import Template, Gallery, ZKBioError, extract, extract_report, match, merge
from zkbio.errors import EINVAL, ELOWQUALITY
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
    g2, report = img.extract_report()
    assert g2.iso() == t.iso() and report.retake == "none"
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


def test_extract_report_usable_capture():
    t, r = extract_report(data(*FVC, "101_1.tif"))
    assert r.retake == "none" and r.ok and r.reasons == [] and r.message
    assert 0 < r.quality <= 100 and r.quality == t.quality == t.info["quality"]
    assert r.foreground == t.info["foreground"] > 30000
    for signal in (r.dryness, r.wetness, r.contrast, r.smear, r.edge_cut):
        assert 0 <= signal <= 100
    assert r.worst in ("too_dry", "too_wet", "too_small", "off_centre", "moved", "low_contrast")
    # the report comes on top of extract(): the same template bytes
    assert t.iso() == extract(data(*FVC, "101_1.tif")).iso()


def grey_crop(folder, x0, y0, w, h):
    """Pixels of a w x h window of 101_1.tif (through the sim reader, as grey bytes)."""
    with zkbio.ReaderContext(sim="dir:" + folder, backends=1) as ctx:
        with ctx.open("sim:0") as r:
            img = r.capture(2000)  # 101_1.tif
    rows = (img.pixels[(y0 + y) * img.width + x0:(y0 + y) * img.width + x0 + w] for y in range(h))
    return b"".join(rows)


def test_extract_report_unusable_capture(fvc_images):
    # a blank frame: unusable; the error carries the report, which says why
    with pytest.raises(ZKBioError) as info:
        extract_report(bytes([255]) * (300 * 300), 300, 300, 500)
    e = info.value
    assert e.code == ELOWQUALITY and e.name == "ZKBIO_ELOWQUALITY"
    assert "retake: no_finger" in e.message
    assert e.report.retake == "no_finger" and not e.report.ok
    assert e.report.reasons == ["no_finger"] and e.report.quality == 0
    assert e.report.message.startswith("No finger") and e.info["foreground"] == 0
    # a 120 x 120 px patch of a print: too little of the finger, too few minutiae
    with pytest.raises(ZKBioError) as info:
        extract_report(grey_crop(fvc_images, 140, 130, 120, 120), 120, 120, 500)
    r = info.value.report
    assert info.value.code == ELOWQUALITY and r.retake == "too_small"
    assert "too_small" in r.reasons and 0 < r.foreground < 30000
    assert r.message != e.report.message and r.quality < zkbio.CAPTURE_QUALITY_RETAKE
    # a usable but poor capture (150 x 150 px, off the print's centre) still gets a reason
    t, r = extract_report(grey_crop(fvc_images, 120, 110, 150, 150), 150, 150, 500)
    assert t.minutiae >= 10 and r.retake != "none" and r.reasons
    assert r.quality < zkbio.CAPTURE_QUALITY_RETAKE
    # argument errors are extract()'s and carry no report
    with pytest.raises(ZKBioError) as info:
        extract_report(b"\x00" * 10, 300, 300)
    assert info.value.code == EINVAL and not hasattr(info.value, "report")


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


def fpir_threshold(fpir, n):
    """gallery.h: 10*log10(n/fpir) (0 templates count as 1), rounded up to hundredths."""
    return math.ceil(round(1000 * math.log10(max(n, 1) / fpir), 4)) / 100


def test_threshold_for_fpir():
    # the header's examples: FPIR 1e-3 gives 40 for N = 10, 50 for 100, 60 for 1,000
    assert [zkbio.threshold_for_fpir(1e-3, n) for n in (10, 100, 1000)] == [40.0, 50.0, 60.0]
    for fpir, n in ((1e-3, 5), (1e-2, 7), (0.5, 3), (1e-4, 1), (0.05, 29), (1e-6, 123456)):
        assert zkbio.threshold_for_fpir(fpir, n) == fpir_threshold(fpir, n), (fpir, n)
    assert zkbio.threshold_for_fpir(1e-3, 0) == zkbio.threshold_for_fpir(1e-3, 1) == 30.0
    for fpir in (0, -0.1, 1, 1.5, float("nan")):
        with pytest.raises(ZKBioError) as info:
            zkbio.threshold_for_fpir(fpir, 10)
        assert info.value.code == EINVAL and info.value.name == "ZKBIO_EINVAL"
    with pytest.raises(ZKBioError) as info:
        zkbio.threshold_for_fpir(1e-3, -1)
    assert info.value.code == EINVAL


def test_gallery_identify_fpir():
    with Gallery(threads=2) as g:
        # an empty gallery: nothing found, the threshold of N = 1
        assert g.identify_fpir(iso("101_2"), 1e-3) == ([], 30.0)
        for i, name in enumerate(["101_1", "102_1", "103_1", "104_1", "105_1"], start=1):
            g.add(i, iso(name))
        top, used = g.identify_fpir(iso("103_2"), 1e-3, k=3)
        assert used == zkbio.threshold_for_fpir(1e-3, 5) == fpir_threshold(1e-3, 5) == 36.99
        assert top and top[0][0] == 3 and all(score >= used for _, score in top)
        assert top[0] == g.identify(iso("103_2"), threshold=used)[0]
        # a stricter FPIR raises the threshold; a stranger is not found
        assert g.identify_fpir(iso("106_1"), 1e-6) == ([], fpir_threshold(1e-6, 5))
        for fpir in (0, -1, 1, 2, float("nan")):
            with pytest.raises(ZKBioError) as info:
                g.identify_fpir(iso("103_2"), fpir)
            assert info.value.code == EINVAL
        g.add(6, iso("106_1"))
        assert g.identify_fpir(iso("103_2"), 1e-3)[1] == fpir_threshold(1e-3, 6)
