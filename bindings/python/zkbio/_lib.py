# SPDX-License-Identifier: Apache-2.0
"""Loader and ctypes prototypes of libzkbio (internal).

Loader order (platforms.md §1.5 item 2):
  1. ``ZKBIO_LIBRARY``: absolute path of the shared library (tests and custom installs);
  2. a copy next to the package (``zkbio/libzkbio.so.0``, ``libzkbio.0.dylib``, ``libzkbio-0.dll``:
     how a platform wheel bundles it, the python-libusb1 model);
  3. ``ctypes.util.find_library("zkbio")``;
  4. the platform's soname (``libzkbio.so.0``, ``libzkbio.0.dylib``, ``libzkbio-0.dll``), which the
     dynamic loader searches for.
On Windows the folder of the DLL is added with ``os.add_dll_directory`` (Python >= 3.8 no longer
searches PATH for a DLL's dependencies; platforms.md §1.5 item 2).

The optional image-file library libzkbio-imageio (PNG, TIFF, BMP, PGM) is found the same way
(``ZKBIO_IMAGEIO_LIBRARY``, then beside libzkbio, then the system); without it ``zkbio.extract``
takes raw grey bytes and binary PGM files only.

Every prototype is declared from include/zkbio/*.h; a wrong prototype would be silent undefined
behaviour, so the structures below are checked against the C compiler's layout by
tests/test_layout.py. ``ctypes.CDLL`` releases the GIL during every call.
"""
import ctypes
import ctypes.util
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_int, c_int16,
                    c_size_t, c_uint, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p)

#: Lowest library version this package was written against (zkbio_version()).
MIN_VERSION = (0, 3, 0)

if sys.platform == "win32":
    _NAMES = ("libzkbio-0.dll", "zkbio-0.dll")
    _IMAGEIO_NAMES = ("libzkbio-imageio-0.dll", "zkbio-imageio-0.dll")
elif sys.platform == "darwin":
    _NAMES = ("libzkbio.0.dylib", "libzkbio.dylib")
    _IMAGEIO_NAMES = ("libzkbio-imageio.0.dylib", "libzkbio-imageio.dylib")
else:
    _NAMES = ("libzkbio.so.0", "libzkbio.so")
    _IMAGEIO_NAMES = ("libzkbio-imageio.so.0", "libzkbio-imageio.so")

_HERE = os.path.dirname(os.path.abspath(__file__))


_DLL_DIRS = []  # os.add_dll_directory handles, kept for the life of the process


def _open(path):
    if sys.platform == "win32" and os.path.isabs(path) and hasattr(os, "add_dll_directory"):
        _DLL_DIRS.append(os.add_dll_directory(os.path.dirname(path)))
    return ctypes.CDLL(path)


def _candidates(env, names, base):
    """Paths to try, in the loader order of the module docstring."""
    out = []
    explicit = os.environ.get(env)
    if explicit:
        out.append(explicit)
    out.extend(os.path.join(_HERE, n) for n in names)
    found = ctypes.util.find_library(base)
    if found:
        out.append(found)
    out.extend(names)
    return out, bool(explicit)


def _load_main():
    paths, explicit = _candidates("ZKBIO_LIBRARY", _NAMES, "zkbio")
    errors = []
    for i, p in enumerate(paths):
        if os.path.isabs(p) and not os.path.exists(p):
            errors.append("%s: no such file" % p)
            if explicit and i == 0:
                break  # an explicit path that is wrong is an error, not a hint
            continue
        try:
            return _open(p), p
        except OSError as e:
            errors.append("%s: %s" % (p, e))
            if explicit and i == 0:
                break
    raise ImportError("zkbio: cannot load libzkbio (tried %s)" % "; ".join(errors))


lib, path = _load_main()


def _load_imageio():
    paths, _ = _candidates("ZKBIO_IMAGEIO_LIBRARY", _IMAGEIO_NAMES, "zkbio-imageio")
    beside = os.path.dirname(path) if os.path.isabs(path) else ""
    if beside:
        paths[1:1] = [os.path.join(beside, n) for n in _IMAGEIO_NAMES]
        paths[1:1] = [os.path.join(beside, "imageio", n) for n in _IMAGEIO_NAMES]  # build tree
    for p in paths:
        if os.path.isabs(p) and not os.path.exists(p):
            continue
        try:
            return _open(p)
        except OSError:
            continue
    return None


# ---- structures (include/zkbio/*.h) ---------------------------------------------------------

class ErrorInfo(Structure):  # error.h zkbio_error_info
    _fields_ = [("code", c_int), ("offset", c_size_t), ("line", c_uint), ("text", c_char * 160)]


class ZkTime(Structure):  # zk4370.h zkbio_zk_time
    _fields_ = [("year", c_uint16), ("month", c_uint8), ("day", c_uint8), ("hour", c_uint8),
                ("minute", c_uint8), ("second", c_uint8)]


class ZkSizes(Structure):  # zk4370.h zkbio_zk_sizes
    _fields_ = [(n, c_uint32) for n in (
        "users", "fingers", "records", "oplogs", "admins", "passwords", "fingers_cap",
        "users_cap", "records_cap", "fingers_av", "users_av", "records_av", "faces",
        "faces_cap")]


class ZkUser(Structure):  # zk4370.h zkbio_zk_user
    _fields_ = [("uid", c_uint16), ("privilege", c_uint8), ("password", c_char * 9),
                ("name", c_char * 100), ("card", c_uint32), ("group", c_uint8),
                ("tz_flag", c_uint16), ("tz", c_uint16 * 3), ("user_id", c_char * 25)]


class ZkAtt(Structure):  # zk4370.h zkbio_zk_att
    _fields_ = [("uid", c_uint16), ("user_id", c_char * 25), ("verify", c_uint8),
                ("state", c_uint8), ("time_raw", c_uint32), ("time", ZkTime),
                ("workcode", c_uint32)]


class ZkTemplate(Structure):  # zk4370.h zkbio_zk_template
    _fields_ = [("uid", c_uint16), ("fid", c_uint8), ("flag", c_uint8),
                ("data", POINTER(c_uint8)), ("len", c_size_t)]


class ZkEvent(Structure):  # zk4370.h zkbio_zk_event
    _fields_ = [("flag", c_uint16), ("user_id", c_char * 25), ("verify", c_uint8),
                ("state", c_uint8), ("time", ZkTime), ("user_sn", c_uint32),
                ("result", c_uint16), ("size", c_uint16), ("fid", c_uint8), ("score", c_uint8),
                ("value", c_uint32)]


class ZkInfo(Structure):  # zk4370_client.h zkbio_zk_info
    _fields_ = [("serial", c_char * 64), ("model", c_char * 64), ("firmware", c_char * 64),
                ("platform", c_char * 64), ("mac", c_char * 32), ("vendor", c_char * 64),
                ("fp_version", c_char * 16), ("pin_width", c_int), ("sizes", ZkSizes)]


class ZkClientOptions(Structure):  # zk4370_client.h zkbio_zk_client_options
    _fields_ = [("size", c_uint32), ("transport", c_int), ("comm_key", c_uint32),
                ("timeout_ms", c_int), ("retries", c_int), ("charset", c_char_p),
                ("max_dataset", c_size_t), ("lenient_checksum", c_int)]


class Minutia(Structure):  # template.h zkbio_minutia
    _fields_ = [("x", c_uint16), ("y", c_uint16), ("angle", c_uint8), ("type", c_uint8),
                ("quality", c_uint8), ("view", c_uint8)]


class OField(Structure):  # template.h zkbio_ofield
    _fields_ = [("x0", c_uint8), ("y0", c_uint8), ("cols", c_uint8), ("rows", c_uint8),
                ("cells", POINTER(c_uint8))]


class CTemplate(Structure):  # template.h zkbio_template
    _fields_ = [("width", c_uint16), ("height", c_uint16), ("xres", c_uint16),
                ("yres", c_uint16), ("equipment", c_uint16), ("ansi_product_id", c_uint32),
                ("finger_position", c_uint8), ("impression_type", c_uint8),
                ("finger_quality", c_uint8), ("count", c_size_t),
                ("minutiae", POINTER(Minutia)), ("view_count", c_uint8),
                ("ofield", OField * 3)]


class Image(Structure):  # image.h zkbio_image
    _fields_ = [("width", c_uint32), ("height", c_uint32), ("stride", c_uint32),
                ("dpi", c_uint16), ("pixels", POINTER(c_uint8))]


class ExtractInfo(Structure):  # extract.h zkbio_extract_info
    _fields_ = [("quality", c_uint8), ("reason", c_uint8), ("foreground", c_uint32),
                ("minutiae", c_uint32)]


class CaptureReport(Structure):  # quality.h zkbio_capture_report (size first: fields only appended)
    _fields_ = [("size", c_uint32), ("retake", c_uint8), ("quality", c_uint8),
                ("reasons", c_uint16), ("worst", c_uint8), ("dryness", c_uint8),
                ("wetness", c_uint8), ("contrast", c_uint8), ("smear", c_uint8),
                ("edge_cut", c_uint8), ("reserved", c_uint16), ("foreground", c_uint32),
                ("offset_x", c_int16), ("offset_y", c_int16)]


class Candidate(Structure):  # gallery.h zkbio_candidate
    _fields_ = [("id", c_uint32), ("score", c_double)]


class ReaderInfo(Structure):  # reader.h zkbio_reader_info
    _fields_ = [("id", c_char * 64), ("backend", c_char * 16), ("vendor_id", c_uint16),
                ("product_id", c_uint16), ("model", c_char * 64), ("serial", c_char * 64),
                ("width", c_uint32), ("height", c_uint32), ("dpi", c_uint16), ("caps", c_uint32)]


ImageLoader = CFUNCTYPE(c_int, c_char_p, c_uint16, POINTER(POINTER(Image)))


class ReaderConfig(Structure):  # reader.h zkbio_reader_config
    _fields_ = [("size", c_uint32), ("backends", c_uint32), ("sim", c_char_p),
                ("zkfp_library", c_char_p), ("load_image", c_void_p),
                ("hotplug_poll_ms", c_int)]


class ReaderTiming(Structure):  # reader.h zkbio_reader_timing
    _fields_ = [("total_us", c_uint64), ("backend_us", c_uint64)]


#: Every mirrored structure with its C name, for the layout test.
STRUCTS = {
    "zkbio_error_info": ErrorInfo, "zkbio_zk_time": ZkTime, "zkbio_zk_sizes": ZkSizes,
    "zkbio_zk_user": ZkUser, "zkbio_zk_att": ZkAtt, "zkbio_zk_template": ZkTemplate,
    "zkbio_zk_event": ZkEvent, "zkbio_zk_info": ZkInfo,
    "zkbio_zk_client_options": ZkClientOptions, "zkbio_minutia": Minutia,
    "zkbio_ofield": OField, "zkbio_template": CTemplate, "zkbio_image": Image,
    "zkbio_extract_info": ExtractInfo, "zkbio_capture_report": CaptureReport,
    "zkbio_candidate": Candidate,
    "zkbio_reader_info": ReaderInfo, "zkbio_reader_config": ReaderConfig,
    "zkbio_reader_timing": ReaderTiming,
}

# Callbacks (zk4370_client.h)
EventCallback = CFUNCTYPE(c_int, POINTER(ZkEvent), c_void_p)
ProgressCallback = CFUNCTYPE(c_int, c_size_t, c_size_t, c_void_p)

# ---- prototypes -----------------------------------------------------------------------------

P = POINTER
u8p = P(c_uint8)
_PROTOS = {
    # version.h, error.h
    "zkbio_version": (c_char_p, []),
    "zkbio_error_name": (c_char_p, [c_int]),
    "zkbio_strerror": (c_char_p, [c_int]),
    # zk4370.h (codec helpers used here)
    "zkbio_zk_time_format": (c_int, [P(ZkTime), c_char * 20]),
    # zk4370_client.h
    "zkbio_zk_client_open": (c_int, [c_char_p, c_uint16, P(ZkClientOptions),
                                     P(c_void_p)]),
    "zkbio_zk_client_close": (None, [c_void_p]),
    "zkbio_zk_client_progress_set": (c_int, [c_void_p, ProgressCallback, c_void_p]),
    "zkbio_zk_client_transport": (c_int, [c_void_p, P(c_int)]),
    "zkbio_zk_client_last_error": (c_int, [c_void_p, c_char_p, c_size_t]),
    "zkbio_zk_free": (None, [c_void_p]),
    "zkbio_zk_info_get": (c_int, [c_void_p, P(ZkInfo)]),
    "zkbio_zk_option_get": (c_int, [c_void_p, c_char_p, c_char_p, c_size_t]),
    "zkbio_zk_option_set": (c_int, [c_void_p, c_char_p, c_char_p]),
    "zkbio_zk_time_get": (c_int, [c_void_p, P(ZkTime)]),
    "zkbio_zk_time_set": (c_int, [c_void_p, P(ZkTime)]),
    "zkbio_zk_users_get": (c_int, [c_void_p, P(P(ZkUser)), P(c_size_t)]),
    "zkbio_zk_user_set": (c_int, [c_void_p, P(ZkUser)]),
    "zkbio_zk_user_delete": (c_int, [c_void_p, c_uint16]),
    "zkbio_zk_templates_get": (c_int, [c_void_p, P(P(ZkTemplate)), P(c_size_t)]),
    "zkbio_zk_template_get": (c_int, [c_void_p, c_uint16, c_uint8, P(u8p), P(c_size_t)]),
    "zkbio_zk_template_set": (c_int, [c_void_p, c_uint16, c_uint8, c_uint8, u8p, c_size_t]),
    "zkbio_zk_template_delete": (c_int, [c_void_p, c_uint16, c_uint8]),
    "zkbio_zk_upload": (c_int, [c_void_p, P(ZkUser), c_size_t, P(ZkTemplate), c_size_t]),
    "zkbio_zk_attendance_get": (c_int, [c_void_p, P(ZkTime), P(P(ZkAtt)), P(c_size_t)]),
    "zkbio_zk_attendance_clear": (c_int, [c_void_p]),
    "zkbio_zk_unlock": (c_int, [c_void_p, c_uint32]),
    "zkbio_zk_restart": (c_int, [c_void_p]),
    "zkbio_zk_poweroff": (c_int, [c_void_p]),
    "zkbio_zk_enable": (c_int, [c_void_p]),
    "zkbio_zk_disable": (c_int, [c_void_p]),
    "zkbio_zk_refresh": (c_int, [c_void_p]),
    "zkbio_zk_listen": (c_int, [c_void_p, c_uint32, c_int, EventCallback, c_void_p]),
    "zkbio_zk_events_register": (c_int, [c_void_p, c_uint32]),
    "zkbio_zk_events_poll": (c_int, [c_void_p, c_int, EventCallback, c_void_p, P(c_size_t)]),
    "zkbio_zk_enroll": (c_int, [c_void_p, c_char_p, c_uint8, c_int, EventCallback, c_void_p]),
    "zkbio_zk_client_user_size": (c_int, [c_void_p, P(c_size_t)]),
    "zkbio_zk_command_send": (c_int, [c_void_p, c_uint16, u8p, c_size_t, u8p, c_size_t,
                                      P(c_size_t), P(c_uint16)]),
    # image.h
    "zkbio_image_from_buffer": (c_int, [u8p, c_uint32, c_uint32, c_uint32, c_uint16,
                                        P(P(Image))]),
    "zkbio_image_free": (None, [P(Image)]),
    # template.h
    "zkbio_template_free": (None, [P(CTemplate)]),
    "zkbio_template_dup": (c_int, [P(CTemplate), P(P(CTemplate))]),
    "zkbio_template_import_any": (c_int, [u8p, c_size_t, P(P(CTemplate)), P(ErrorInfo)]),
    "zkbio_template_import_iso": (c_int, [u8p, c_size_t, P(P(CTemplate)), P(ErrorInfo)]),
    "zkbio_template_import_ansi": (c_int, [u8p, c_size_t, P(P(CTemplate)), P(ErrorInfo)]),
    "zkbio_template_import_native": (c_int, [u8p, c_size_t, P(P(CTemplate)), P(ErrorInfo)]),
    "zkbio_template_export_iso": (c_int, [P(CTemplate), u8p, c_size_t, P(c_size_t)]),
    "zkbio_template_export_ansi": (c_int, [P(CTemplate), u8p, c_size_t, P(c_size_t)]),
    "zkbio_template_export_native": (c_int, [P(CTemplate), u8p, c_size_t, P(c_size_t)]),
    # extract.h, quality.h, match.h, merge.h, gallery.h
    "zkbio_unusable_name": (c_char_p, [c_int]),
    "zkbio_extract": (c_int, [P(Image), P(P(CTemplate)), P(ExtractInfo)]),
    "zkbio_extract_report": (c_int, [P(Image), P(P(CTemplate)), P(ExtractInfo),
                                     P(CaptureReport)]),
    "zkbio_retake_name": (c_char_p, [c_int]),
    "zkbio_retake_message": (c_char_p, [c_int]),
    "zkbio_match": (c_int, [P(CTemplate), P(CTemplate), P(c_double)]),
    "zkbio_merge": (c_int, [P(P(CTemplate)), P(P(CTemplate))]),  # const captures[3]
    "zkbio_gallery_new": (c_int, [c_uint, P(c_void_p)]),
    "zkbio_gallery_free": (None, [c_void_p]),
    "zkbio_gallery_add": (c_int, [c_void_p, c_uint32, P(CTemplate)]),
    "zkbio_gallery_remove": (c_int, [c_void_p, c_uint32]),
    "zkbio_gallery_clear": (c_int, [c_void_p]),
    "zkbio_gallery_count": (c_int, [c_void_p, P(c_size_t)]),
    "zkbio_gallery_identify": (c_int, [c_void_p, P(CTemplate), c_double, P(Candidate), c_size_t,
                                       P(c_size_t)]),
    "zkbio_gallery_threshold_compute": (c_int, [c_double, c_size_t, P(c_double)]),
    "zkbio_gallery_identify_fpir": (c_int, [c_void_p, P(CTemplate), c_double, P(Candidate),
                                            c_size_t, P(c_size_t), P(c_double)]),
    # reader.h
    "zkbio_reader_ctx_new": (c_int, [P(ReaderConfig), P(c_void_p)]),
    "zkbio_reader_ctx_free": (None, [c_void_p]),
    "zkbio_reader_enumerate": (c_int, [c_void_p, P(P(ReaderInfo)), P(c_size_t)]),
    "zkbio_reader_info_free": (None, [P(ReaderInfo)]),
    "zkbio_reader_open": (c_int, [c_void_p, c_char_p, P(c_void_p)]),
    "zkbio_reader_close": (None, [c_void_p]),
    "zkbio_reader_info_get": (c_int, [c_void_p, P(ReaderInfo)]),
    "zkbio_reader_capture": (c_int, [c_void_p, c_int, P(P(Image))]),
    "zkbio_reader_cancel": (c_int, [c_void_p]),
    "zkbio_reader_finger_present": (c_int, [c_void_p, P(c_int)]),
    "zkbio_reader_output_set": (c_int, [c_void_p, c_int, c_int]),
    "zkbio_reader_timing_get": (c_int, [c_void_p, P(ReaderTiming)]),
    "zkbio_reader_last_error": (c_char_p, []),
    "zkbio_sim_send": (c_int, [c_char_p, P(Image), c_int, c_int]),
}

_IMAGEIO_PROTOS = {
    "zkbio_image_load": (c_int, [c_char_p, c_uint16, P(P(Image))]),
    "zkbio_image_load_mem": (c_int, [u8p, c_size_t, c_uint16, P(P(Image))]),
}


def _declare(library, protos):
    for name, (restype, argtypes) in protos.items():
        fn = getattr(library, name)  # AttributeError: a library older than this package
        fn.restype = restype
        fn.argtypes = argtypes


try:
    _declare(lib, _PROTOS)
except AttributeError as e:
    raise ImportError("zkbio: %s is too old for this package (%s)" % (path, e)) from None

version = lib.zkbio_version().decode("ascii")


def _check_version():
    try:
        have = tuple(int(x) for x in version.split(".")[:3])
    except ValueError:
        raise ImportError("zkbio: unexpected library version %r" % version) from None
    if have[0] != MIN_VERSION[0] or have < MIN_VERSION:
        raise ImportError("zkbio: libzkbio %s at %s; this package needs %d.%d.x >= %s" % (
            version, path, MIN_VERSION[0], MIN_VERSION[1], ".".join(map(str, MIN_VERSION))))


_check_version()

imageio = _load_imageio()
if imageio is not None:
    try:
        _declare(imageio, _IMAGEIO_PROTOS)
    except AttributeError:
        imageio = None


def text(buf):
    """A NUL-terminated char array field as str (UTF-8, invalid bytes replaced)."""
    return bytes(buf).split(b"\0", 1)[0].decode("utf-8", "replace")


def as_u8(data):
    """A ``bytes``-like object as (c_uint8 pointer, length, keep-alive object)."""
    data = bytes(data)
    buf = (c_uint8 * max(len(data), 1)).from_buffer_copy(data.ljust(1, b"\0"))
    return ctypes.cast(buf, u8p), len(data), buf
