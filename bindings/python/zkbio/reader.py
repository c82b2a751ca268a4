# SPDX-License-Identifier: Apache-2.0
"""Fingerprint readers attached to this computer (include/zkbio/reader.h).

``ReaderContext(sim=None, backends=0)`` owns the backends; ``ctx.readers()`` lists ReaderInfo;
``ctx.open(id)`` (or ``Reader.open(id)``) gives a Reader whose ``capture(timeout_ms)`` returns an
Image (grey bytes + width/height/dpi) that ``zkbio.extract(image)`` accepts. Readers and contexts
are context managers; close every Reader before its context (a Reader keeps its context alive).
Thread-safety: as reader.h: ``cancel()`` may be called from another thread while ``capture()``
blocks (the GIL is released during the capture).
"""
import ctypes
from dataclasses import dataclass

from . import _lib
from ._owned import Owned
from .errors import ZKBioError, check, EINVAL

L = _lib.lib

BACKEND_SIM, BACKEND_ZK4500, BACKEND_ZKFP = 1, 2, 4
LED_GREEN, LED_RED, BUZZER, LED_WHITE = 0, 1, 2, 3
# sim control commands (reader.h zkbio_sim_command)
SIM_FINGER, SIM_ERROR, SIM_TIMEOUT, SIM_UNPLUG, SIM_REPLUG = -1, -2, -3, -4, -5


def _detail():
    msg = L.zkbio_reader_last_error()
    return msg.decode("utf-8", "replace") if msg else ""


@dataclass
class ReaderInfo:
    id: str
    backend: str
    vendor_id: int
    product_id: int
    model: str
    serial: str
    width: int
    height: int
    dpi: int
    caps: int


@dataclass
class Image:
    """An 8-bit grey image: ``pixels`` is width*height bytes, row-major (0 = black ridge)."""
    width: int
    height: int
    dpi: int
    pixels: bytes

    def extract(self):
        from .engine import extract
        return extract(self.pixels, self.width, self.height, self.dpi)

    def extract_report(self):
        """``zkbio.extract_report`` of this image: (template, CaptureReport)."""
        from .engine import extract_report
        return extract_report(self.pixels, self.width, self.height, self.dpi)


def _info(i):
    return ReaderInfo(_lib.text(i.id), _lib.text(i.backend), i.vendor_id, i.product_id,
                      _lib.text(i.model), _lib.text(i.serial), i.width, i.height, i.dpi, i.caps)


def _image(p):
    """Copy a C zkbio_image into an Image and free it."""
    try:
        im = p.contents
        rows = [ctypes.string_at(ctypes.addressof(im.pixels.contents) + y * im.stride, im.width)
                for y in range(im.height)]
        return Image(im.width, im.height, im.dpi, b"".join(rows))
    finally:
        L.zkbio_image_free(p)


class ReaderContext(Owned):
    """``ReaderContext(sim=None, backends=0)``: ``sim`` is the sim backend's configuration
    ("dir:PATH;socket:PATH", reader.h; None = the ZKBIO_SIM environment variable); ``backends``
    the BACKEND_* bits to use (0 = all built in)."""

    def __init__(self, sim=None, backends=0, zkfp_library=None):
        self._c = None
        cfg = _lib.ReaderConfig()
        cfg.size = ctypes.sizeof(cfg)
        cfg.backends = int(backends)
        self._keep = [s.encode("utf-8") if s is not None else None for s in (sim, zkfp_library)]
        cfg.sim, cfg.zkfp_library = self._keep
        if _lib.imageio is not None:  # the sim's dir: entries then read PNG/TIFF/BMP too
            cfg.load_image = ctypes.cast(_lib.imageio.zkbio_image_load, ctypes.c_void_p)
        c = ctypes.c_void_p()
        check(L.zkbio_reader_ctx_new(ctypes.byref(cfg), ctypes.byref(c)), _detail)
        self._c = c

    def _h(self):
        if not self._c:
            raise ZKBioError(EINVAL, None, "reader context is closed")
        return self._c

    def readers(self):
        """The readers present, as a list of ReaderInfo."""
        arr = ctypes.POINTER(_lib.ReaderInfo)()
        n = ctypes.c_size_t()
        check(L.zkbio_reader_enumerate(self._h(), ctypes.byref(arr), ctypes.byref(n)), _detail)
        try:
            return [_info(arr[i]) for i in range(n.value)]
        finally:
            L.zkbio_reader_info_free(arr)

    def open(self, id=None):
        """Open reader ``id`` (a ReaderInfo.id such as "sim:0"; None = the first one)."""
        if id is None:
            found = self.readers()
            if not found:
                raise ZKBioError(-16, None, "no reader present")
            id = found[0].id
        r = ctypes.c_void_p()
        check(L.zkbio_reader_open(self._h(), str(id).encode("utf-8"), ctypes.byref(r)), _detail)
        return Reader(self, r, str(id))

    def close(self):
        c, self._c = self._c, None
        if c:
            L.zkbio_reader_ctx_free(c)


class Reader(Owned):
    """An open reader; made by ``ReaderContext.open()`` or ``Reader.open(id, sim=...)``."""

    def __init__(self, ctx, handle, id):
        self._ctx, self._r, self.id = ctx, handle, id
        self._owns_ctx = False

    @classmethod
    def open(cls, id=None, sim=None, backends=0):
        """Open reader ``id`` in a context of its own (closed with the reader)."""
        ctx = ReaderContext(sim=sim, backends=backends)
        try:
            r = ctx.open(id)
        except BaseException:
            ctx.close()
            raise
        r._owns_ctx = True
        return r

    def _h(self):
        if not self._r:
            raise ZKBioError(EINVAL, None, "reader is closed")
        return self._r

    def info(self):
        i = _lib.ReaderInfo()
        check(L.zkbio_reader_info_get(self._h(), ctypes.byref(i)), _detail)
        return _info(i)

    def capture(self, timeout_ms=10000):
        """Wait up to ``timeout_ms`` for a finger and return its Image. ZKBioError with
        ZKBIO_ETIMEDOUT (no finger), ZKBIO_ECANCELED (cancel()), ZKBIO_EUNPLUGGED, ..."""
        out = ctypes.POINTER(_lib.Image)()
        check(L.zkbio_reader_capture(self._h(), int(timeout_ms), ctypes.byref(out)), _detail)
        return _image(out)

    def cancel(self):
        """Make a capture running in another thread return ZKBIO_ECANCELED."""
        check(L.zkbio_reader_cancel(self._h()), _detail)

    def finger_present(self):
        v = ctypes.c_int()
        check(L.zkbio_reader_finger_present(self._h(), ctypes.byref(v)), _detail)
        return bool(v.value)

    def output(self, which, on):
        """Switch an LED or the buzzer (LED_GREEN, LED_RED, BUZZER, LED_WHITE)."""
        check(L.zkbio_reader_output_set(self._h(), int(which), 1 if on else 0), _detail)

    def close(self):
        r, self._r = self._r, None
        if r:
            L.zkbio_reader_close(r)
        if self._owns_ctx and self._ctx is not None:
            self._ctx.close()
        self._ctx = None


def sim_send(path, image=None, command=0, value=0):
    """Send a frame (an Image, at most the sim's size limits) or a control message (``command``
    a SIM_* value, ``image`` None) to a sim reader listening on socket ``path``."""
    img = None
    keep = None
    if image is not None:
        p, n, keep = _lib.as_u8(image.pixels)
        ip = ctypes.POINTER(_lib.Image)()
        check(L.zkbio_image_from_buffer(p, image.width, image.height, image.width,
                                        image.dpi or 500, ctypes.byref(ip)))
        img = ip
    try:
        check(L.zkbio_sim_send(str(path).encode("utf-8"), img, int(command), int(value)), _detail)
    finally:
        if img is not None:
            L.zkbio_image_free(img)
