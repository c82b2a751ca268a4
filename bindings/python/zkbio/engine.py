# SPDX-License-Identifier: Apache-2.0
"""The fingerprint engine: templates, extraction (with a capture quality report), 1:1 match, merge
of three captures, 1:N gallery and its decision rule.

Bytes in and out (no numpy). Every C object is owned by one Python object and freed by its
``close()`` (or leaving its ``with`` block), with ``__del__`` as a fallback. Thread-safety: a
Template is immutable once made and may be matched from several threads at once; a Gallery may be
used from any thread (the C gallery has its own lock); the GIL is released during each C call.
"""
import ctypes
import os
from dataclasses import dataclass

from . import _lib
from ._owned import Owned
from .errors import ZKBioError, check, EINVAL, ENOENT, ENOSPC, ENOTSUP, ELOWQUALITY

L = _lib.lib

#: Default 1:1 verification threshold (match.h ZKBIO_MATCH_THRESHOLD: FMR 1e-4).
MATCH_THRESHOLD = 40.0
#: A capture whose quality is below this always gets a retake reason (quality.h
#: ZKBIO_CAPTURE_QUALITY_RETAKE).
CAPTURE_QUALITY_RETAKE = 25


class Template(Owned):
    """A fingerprint template (zkbio_template). Make one with ``Template(data)`` from ISO
    19794-2, ANSI 378 or zkbio native bytes (format detected, zkbio_template_import_any), or from
    ``extract()``/``merge()``. Export with ``iso()``, ``ansi()``, ``native()`` (bytes)."""

    __slots__ = ("_p",)

    def __init__(self, data):
        self._p = None
        data = bytes(data)
        p, n, keep = _lib.as_u8(data)
        out = ctypes.POINTER(_lib.CTemplate)()
        err = _lib.ErrorInfo()
        rc = L.zkbio_template_import_any(p, n, ctypes.byref(out), ctypes.byref(err))
        check(rc, lambda: "%s (at byte %d)" % (_lib.text(err.text), err.offset))
        self._p = out

    @classmethod
    def _own(cls, ptr):
        t = cls.__new__(cls)
        t._p = ptr
        return t

    def _ptr(self):
        if not self._p:
            raise ZKBioError(EINVAL, None, "template is closed")
        return self._p

    def close(self):
        """Free the C template. Idempotent."""
        p, self._p = self._p, None
        if p:
            L.zkbio_template_free(p)

    def _export(self, fn):
        need = ctypes.c_size_t()
        rc = fn(self._ptr(), None, 0, ctypes.byref(need))
        if rc not in (0, ENOSPC):
            check(rc)
        buf = (ctypes.c_uint8 * max(1, need.value))()
        check(fn(self._ptr(), ctypes.cast(buf, _lib.u8p), need.value, ctypes.byref(need)))
        return bytes(buf)[:need.value]

    def iso(self):
        """ISO/IEC 19794-2:2005 record (bytes)."""
        return self._export(L.zkbio_template_export_iso)

    def ansi(self):
        """ANSI INCITS 378-2004 record (bytes)."""
        return self._export(L.zkbio_template_export_ansi)

    def native(self):
        """zkbio native record (bytes; keeps orientation fields and every view)."""
        return self._export(L.zkbio_template_export_native)

    @property
    def minutiae(self):
        """Number of minutiae (all views)."""
        return self._ptr().contents.count

    @property
    def views(self):
        """Number of finger views (3 for a merged enrollment; 0 is read as 1)."""
        return max(1, self._ptr().contents.view_count)

    @property
    def size(self):
        """(width, height) in pixels of the image the template was made from."""
        c = self._ptr().contents
        return c.width, c.height

    @property
    def quality(self):
        return self._ptr().contents.finger_quality

    def copy(self):
        out = ctypes.POINTER(_lib.CTemplate)()
        check(L.zkbio_template_dup(self._ptr(), ctypes.byref(out)))
        return Template._own(out)

    def match(self, other):
        """Score of this template against ``other`` (see ``match``)."""
        return match(self, other)

    def __repr__(self):
        if not self._p:
            return "<zkbio.Template closed>"
        return "<zkbio.Template %d minutiae, %d view(s)>" % (self.minutiae, self.views)


def _template(t):
    return t if isinstance(t, Template) else Template(t)


class _Image(Owned):
    """A C image owned for the time of a call (internal)."""

    def __init__(self, ptr):
        self.p = ptr

    def close(self):
        p, self.p = self.p, None
        if p:
            L.zkbio_image_free(p)


def _image_from(image, width=None, height=None, dpi=500):
    """A C image from grey bytes + width/height (row-major, 1 byte per pixel, stride = width)
    or from a file path / encoded file bytes (PNG, TIFF, BMP, PGM through libzkbio-imageio)."""
    out = ctypes.POINTER(_lib.Image)()
    if isinstance(image, (str, os.PathLike)):
        if _lib.imageio is None:
            raise ZKBioError(ENOTSUP, None, "libzkbio-imageio not found: pass grey bytes "
                             "with width and height")
        check(_lib.imageio.zkbio_image_load(os.fsencode(image), int(dpi), ctypes.byref(out)),
              "cannot load image %s" % image)
        return _Image(out)
    data = bytes(image)
    p, n, keep = _lib.as_u8(data)
    if width is None or height is None:
        if _lib.imageio is None:
            raise ZKBioError(ENOTSUP, None, "width and height are needed for raw grey bytes "
                             "(libzkbio-imageio not found)")
        check(_lib.imageio.zkbio_image_load_mem(p, n, int(dpi), ctypes.byref(out)),
              "cannot decode image bytes")
        return _Image(out)
    width, height = int(width), int(height)
    if width <= 0 or height <= 0 or n != width * height:
        raise ZKBioError(EINVAL, None, "grey image needs width*height bytes (%d x %d != %d)"
                         % (width, height, n))
    check(L.zkbio_image_from_buffer(p, width, height, width, int(dpi), ctypes.byref(out)))
    return _Image(out)


class ExtractResult(Template):
    """A Template from extract(), with ``info`` = dict(quality, foreground, minutiae)."""

    __slots__ = ("info",)


def _info(info):
    return {"quality": info.quality, "foreground": info.foreground, "minutiae": info.minutiae}


def _unusable(rc, info, more=""):
    reason = L.zkbio_unusable_name(info.reason).decode("ascii", "replace")
    return ZKBioError(rc, None, "unusable image: %s (quality %d)%s" % (reason, info.quality, more))


def extract(image, width=None, height=None, dpi=500):
    """Extract a Template from a fingerprint image.

    ``image``: grey bytes (8-bit, row-major, ``width*height`` long) with ``width``/``height``;
    or a file path or encoded bytes (PNG, TIFF, BMP, PGM; needs libzkbio-imageio). ``dpi``: the
    scan resolution (300..1000; for files, used when the file does not say). Returns a Template
    whose ``quality`` is 0..100. Raises ZKBioError(ZKBIO_ELOWQUALITY) with the reason in its
    message for an unusable image."""
    with _image_from(image, width, height, dpi) as img:
        out = ctypes.POINTER(_lib.CTemplate)()
        info = _lib.ExtractInfo()
        rc = L.zkbio_extract(img.p, ctypes.byref(out), ctypes.byref(info))
        if rc == ELOWQUALITY:
            raise _unusable(rc, info)
        check(rc)
        t = ExtractResult._own(out)
        t.info = _info(info)
        return t


def _retake_name(r):
    return L.zkbio_retake_name(int(r)).decode("ascii", "replace")


@dataclass
class CaptureReport:
    """What the capture quality check found (quality.h zkbio_capture_report), for telling the
    user how to take the capture again.

    ``retake``: the main reason to retake, a name: ``"none"`` (the capture is fine),
    ``"too_dry"``, ``"too_wet"``, ``"too_small"``, ``"off_centre"``, ``"moved"``,
    ``"low_contrast"`` or ``"no_finger"``; ``message``: a short English instruction for the user
    for it. ``quality``: 0 (useless) .. 100, the extraction's quality (``Template.quality``); below
    CAPTURE_QUALITY_RETAKE (25) there is always a reason. ``reasons``: the names of every reason
    found, in code order (may hold several, or none while ``quality`` alone asks for a retake).
    ``worst``: the signal nearest its limit even when below it (a hint when the caller's own
    threshold refused the capture), ``"none"`` for a blank frame.
    Signals, 0..100, higher = more of that defect except ``contrast``: ``dryness`` (ridge
    lightness; limit 74), ``wetness`` (how dark the valleys are next to the ridges; 45),
    ``contrast`` (valley minus ridge grey, % of 255; below 10 is low), ``smear`` (how much ridge
    clarity depends on direction; 79), ``edge_cut`` (% of the print's outline on the frame edge;
    45). ``foreground``: the print's area in pixels at 500 dpi (below 30,000 is too small);
    ``offset_x``/``offset_y``: its centroid minus the frame centre, pixels at 500 dpi, right and
    down positive (beyond 22 % of the frame's width or height is off-centre)."""
    retake: str
    message: str
    quality: int
    reasons: list
    worst: str
    dryness: int
    wetness: int
    contrast: int
    smear: int
    edge_cut: int
    foreground: int
    offset_x: int
    offset_y: int

    @property
    def ok(self):
        """True when the capture needs no retake."""
        return self.retake == "none"


def _report(r):
    """A CaptureReport from the C struct. The library writes at most ``r.size`` bytes (the size
    this binding set, which it gives back): a field past it is read as 0."""
    def get(name):
        f = getattr(_lib.CaptureReport, name)
        return getattr(r, name) if f.offset + f.size <= r.size else 0
    reasons = get("reasons")
    return CaptureReport(
        retake=_retake_name(r.retake),
        message=L.zkbio_retake_message(r.retake).decode("utf-8", "replace"),
        quality=r.quality,
        reasons=[_retake_name(b) for b in range(16) if reasons >> b & 1],
        worst=_retake_name(get("worst")), dryness=get("dryness"), wetness=get("wetness"),
        contrast=get("contrast"), smear=get("smear"), edge_cut=get("edge_cut"),
        foreground=get("foreground"), offset_x=get("offset_x"), offset_y=get("offset_y"))


def extract_report(image, width=None, height=None, dpi=500):
    """extract() with a capture quality report (zkbio_extract_report): returns ``(template,
    report)``, the same Template as extract() and a CaptureReport. The arguments are extract()'s.
    For an unusable image it raises ZKBioError(ZKBIO_ELOWQUALITY) as extract() does; the error
    then carries the CaptureReport as ``report`` (its ``retake`` is never ``"none"``) and the
    extraction's figures as ``info`` (dict(quality, foreground, minutiae)). A usable image may
    still have a retake reason (its ``report.retake``): the caller decides whether to keep it."""
    with _image_from(image, width, height, dpi) as img:
        out = ctypes.POINTER(_lib.CTemplate)()
        info = _lib.ExtractInfo()
        rep = _lib.CaptureReport(size=ctypes.sizeof(_lib.CaptureReport))  # the rest is zero
        rc = L.zkbio_extract_report(img.p, ctypes.byref(out), ctypes.byref(info),
                                    ctypes.byref(rep))
        if rc == ELOWQUALITY:
            report = _report(rep)
            e = _unusable(rc, info, "; retake: %s" % report.retake)
            e.report, e.info = report, _info(info)
            raise e
        check(rc)
        t = ExtractResult._own(out)
        t.info = _info(info)
        return t, _report(rep)


def match(a, b):
    """1:1 score (float) of two templates (Template or template bytes): 10*log10(1/FMR), so 40
    (MATCH_THRESHOLD) is a false match rate of 1e-4; identical prints score far above 100."""
    a, b = _template(a), _template(b)
    score = ctypes.c_double()
    check(L.zkbio_match(a._ptr(), b._ptr(), ctypes.byref(score)))
    return score.value


def merge(captures):
    """Merge three captures of one finger (Templates or bytes) into one multi-view enrollment
    Template. Raises ZKBioError(ZKBIO_EMISMATCH) when they are not of the same finger."""
    ts = [_template(t) for t in captures]
    if len(ts) != 3:
        raise ZKBioError(EINVAL, None, "merge needs exactly three captures")
    arr = (ctypes.POINTER(_lib.CTemplate) * 3)(*[t._ptr() for t in ts])
    out = ctypes.POINTER(_lib.CTemplate)()
    check(L.zkbio_merge(arr, ctypes.byref(out)))
    return Template._own(out)


def threshold_for_fpir(fpir, n):
    """The 1:N decision threshold (zkbio_gallery_threshold_compute): the score each of the ``n``
    comparisons of a search must reach for its false positive identification rate (the chance
    that a person not enrolled is identified as someone) to be at most ``fpir``. Scores are
    10*log10(1/FMR), so this is 10*log10(n/fpir), rounded up to hundredths: fpir 1e-3 gives 40.0
    for n = 10, 50.0 for 100, 60.0 for 1,000. ``0 < fpir < 1``; ``n`` >= 0 templates (0 counts as
    1). Raises ZKBioError(ZKBIO_EINVAL) otherwise. Beyond 50 (n/fpir above 1e5) the scale is
    extrapolated: the real FPIR is then lower than ``fpir`` by an unmeasured factor (gallery.h)."""
    n = int(n)
    if n < 0:
        raise ZKBioError(EINVAL, None, "gallery size must not be negative (%d)" % n)
    t = ctypes.c_double()
    check(L.zkbio_gallery_threshold_compute(float(fpir), n, ctypes.byref(t)))
    return t.value


class Gallery(Owned):
    """An in-memory 1:N gallery (zkbio_gallery): ``Gallery(threads=0)`` (0 = one per CPU).
    Ids are uint32. Thread-safe. A context manager; ``close()`` frees it."""

    def __init__(self, threads=0):
        self._g = None
        g = ctypes.c_void_p()
        check(L.zkbio_gallery_new(int(threads), ctypes.byref(g)))
        self._g = g

    def _h(self):
        if not self._g:
            raise ZKBioError(EINVAL, None, "gallery is closed")
        return self._g

    def close(self):
        g, self._g = self._g, None
        if g:
            L.zkbio_gallery_free(g)

    def add(self, id, template):
        """Add (or replace) ``template`` under ``id``; the gallery keeps its own copy."""
        t = _template(template)  # held: a temporary would be freed before the call
        check(L.zkbio_gallery_add(self._h(), int(id), t._ptr()))

    def remove(self, id):
        """Remove ``id``; ZKBioError(ZKBIO_ENOENT) when absent."""
        check(L.zkbio_gallery_remove(self._h(), int(id)))

    def clear(self):
        check(L.zkbio_gallery_clear(self._h()))

    def __len__(self):
        n = ctypes.c_size_t()
        check(L.zkbio_gallery_count(self._h(), ctypes.byref(n)))
        return n.value

    def identify(self, probe, threshold=MATCH_THRESHOLD, k=1):
        """The best ``k`` candidates scoring at least ``threshold``, best first, as a list of
        (id, score) tuples (empty when none)."""
        k = max(1, int(k))
        top = (_lib.Candidate * k)()
        found = ctypes.c_size_t()
        t = _template(probe)  # held for the call, as in add()
        rc = L.zkbio_gallery_identify(self._h(), t._ptr(), float(threshold), top, k,
                                      ctypes.byref(found))
        if rc == ENOENT:  # no candidate at the threshold, or an empty gallery
            return []
        check(rc)
        return [(top[i].id, top[i].score) for i in range(found.value)]

    def identify_fpir(self, probe, fpir, k=1):
        """identify() with the threshold chosen for a false positive identification rate
        ``fpir`` (0 < fpir < 1) by the 1:N rule of threshold_for_fpir(), with the number of
        templates in the gallery when the search starts (zkbio_gallery_identify_fpir: counted
        under the search's lock, so a concurrent add or remove cannot make the two disagree).
        Returns ``(candidates, threshold)``: the list identify() returns (empty when none
        reaches the threshold or the gallery is empty) and the threshold used. Raises
        ZKBioError(ZKBIO_EINVAL) for an fpir outside (0, 1)."""
        k = max(1, int(k))
        top = (_lib.Candidate * k)()
        found = ctypes.c_size_t()
        used = ctypes.c_double()
        t = _template(probe)  # held for the call, as in add()
        rc = L.zkbio_gallery_identify_fpir(self._h(), t._ptr(), float(fpir), top, k,
                                           ctypes.byref(found), ctypes.byref(used))
        if rc == ENOENT:  # nothing reached the threshold (written all the same), or empty
            return [], used.value
        check(rc)
        return [(top[i].id, top[i].score) for i in range(found.value)], used.value
