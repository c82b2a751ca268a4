# SPDX-License-Identifier: Apache-2.0
"""zkbio.zkfp: the method names of pyzkfp's ZKFP2 (CamelCase, after ZKFinger's ZKFPM_* calls;
platforms.md §1.4, fingerprint.md §1) over zkbio's readers and engine, for scripts written for a
desk reader with ZKTeco's SDK.

Shaped like pyzkfp, not a copy of its results: templates are ISO/IEC 19794-2 bytes (pyzkfp gives
ZKFinger 10 blobs, which no other software reads), scores are zkbio's (10 * log10(1/FMR);
``MATCH_THRESHOLD`` 40), images are 8-bit grey bytes. As ZKFinger's demos expect,
AcquireFingerprint() polls: it returns None when no finger is on the reader. Errors other than "no
finger" raise zkbio.ZKBioError. Thread-safety: one ZKFP2 per thread.
"""
import base64

from . import engine
from .errors import ZKBioError, EINVAL
from .reader import ReaderContext

#: Poll time of AcquireFingerprint() / AcquireFingerprintImage(), milliseconds.
POLL_MS = 200


class ZKFP2(object):
    """``ZKFP2()``; ``Init()``, ``OpenDevice(index)``, ``AcquireFingerprint()``, ``DB*``..."""

    def __init__(self, sim=None):
        self._sim = sim
        self._ctx = None
        self._reader = None
        self._db = None
        self.width = self.height = 0

    # -- library and devices -------------------------------------------------------------------
    def Init(self):
        """Start the reader backends; 0."""
        if self._ctx is None:
            self._ctx = ReaderContext(sim=self._sim)
        return 0

    def Terminate(self):
        """Close the device, the database and the backends; 0."""
        self.CloseDevice()
        self.DBFree()
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None
        return 0

    def _context(self):
        if self._ctx is None:
            raise ZKBioError(EINVAL, None, "call Init() first")
        return self._ctx

    def GetDeviceCount(self):
        return len(self._context().readers())

    def OpenDevice(self, index=0):
        """Open the index-th reader (enumeration order); 0."""
        readers = self._context().readers()
        if not 0 <= index < len(readers):
            raise ZKBioError(-16, None, "no reader %d (%d present)" % (index, len(readers)))
        self.CloseDevice()
        self._reader = self._ctx.open(readers[index].id)
        info = self._reader.info()
        self.width, self.height = info.width, info.height
        return 0

    def CloseDevice(self):
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        return 0

    def _capture(self):
        if self._reader is None:
            raise ZKBioError(EINVAL, None, "call OpenDevice() first")
        try:
            return self._reader.capture(POLL_MS)
        except ZKBioError as e:
            if e.code == -8:  # ETIMEDOUT: no finger (ZKFPM -8)
                return None
            raise

    def AcquireFingerprint(self):
        """(template bytes, image bytes) of a finger on the reader, or None when there is none
        (or the image is unusable: press again)."""
        image = self._capture()
        if image is None:
            return None
        try:
            template = image.extract()
        except ZKBioError as e:
            if e.code == -20:  # ELOWQUALITY
                return None
            raise
        return template.iso(), image.pixels

    def AcquireFingerprintImage(self):
        """Image bytes (width x height grey) of a finger on the reader, or None."""
        image = self._capture()
        return None if image is None else image.pixels

    def Light(self, color, duration=0.5):
        """Switch an LED ('green', 'red', 'white') on; off again after ``duration`` seconds."""
        import time
        which = {"green": 0, "red": 1, "white": 3}[color]
        if self._reader is None:
            raise ZKBioError(EINVAL, None, "call OpenDevice() first")
        self._reader.output(which, True)
        time.sleep(duration)
        self._reader.output(which, False)

    # -- templates and the 1:N database --------------------------------------------------------
    def DBInit(self):
        if self._db is None:
            self._db = engine.Gallery()
        return 0

    def DBFree(self):
        if self._db is not None:
            self._db.close()
            self._db = None
        return 0

    def _gallery(self):
        if self._db is None:
            raise ZKBioError(EINVAL, None, "call DBInit() first")
        return self._db

    def DBMerge(self, temp1, temp2, temp3):
        """(registration template bytes, its length) from three captures of one finger."""
        merged = engine.merge([temp1, temp2, temp3]).native()
        return merged, len(merged)

    def DBAdd(self, fid, regTemp):
        self._gallery().add(int(fid), regTemp)
        return 0

    def DBDel(self, fid):
        self._gallery().remove(int(fid))
        return 0

    def DBClear(self):
        self._gallery().clear()
        return 0

    def DBCount(self):
        return len(self._gallery())

    def DBIdentify(self, temp):
        """(fid, score) of the best match at or above MATCH_THRESHOLD, or (-1, 0) when none."""
        top = self._gallery().identify(temp)
        return top[0] if top else (-1, 0)

    def DBMatch(self, temp1, temp2):
        """1:1 score (zkbio's scale; MATCH_THRESHOLD 40 is a false match rate of 1e-4)."""
        return engine.match(temp1, temp2)

    def ExtractFromImage(self, FileName, DPI=500):
        """Template bytes of an image file (PNG, TIFF, BMP, PGM)."""
        return engine.extract(FileName, dpi=DPI).iso()

    @staticmethod
    def Blob2Base64String(blob):
        return base64.b64encode(bytes(blob)).decode("ascii")

    @staticmethod
    def Base64String2Blob(text):
        return base64.b64decode(text)

    def __enter__(self):
        self.Init()
        return self

    def __exit__(self, *exc):
        self.Terminate()


MATCH_THRESHOLD = engine.MATCH_THRESHOLD
