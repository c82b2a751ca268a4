# SPDX-License-Identifier: Apache-2.0
"""The loader (ZKBIO_LIBRARY first, a wrong explicit path is an error), the version check, and the
one exception class."""
import os
import subprocess
import sys

import pytest

import zkbio
from zkbio import ZKBioError, _lib, errors


def run_python(code, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e)


def test_loaded_from_env_and_version():
    assert os.path.samefile(zkbio.library_path, os.environ["ZKBIO_LIBRARY"])
    major, minor = (int(x) for x in zkbio.library_version.split(".")[:2])
    assert (major, minor) >= _lib.MIN_VERSION[:2]


def test_wrong_explicit_path_is_an_import_error():
    r = run_python("import zkbio", ZKBIO_LIBRARY="/nonexistent/libzkbio.so.0")
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "/nonexistent/libzkbio.so.0" in r.stderr


def test_not_a_library_is_an_import_error(tmp_path):
    bogus = tmp_path / "libzkbio.so.0"
    bogus.write_bytes(b"not an ELF file")
    r = run_python("import zkbio", ZKBIO_LIBRARY=str(bogus))
    assert r.returncode != 0 and "cannot load libzkbio" in r.stderr


def test_copy_next_to_the_package(tmp_path):
    """Without ZKBIO_LIBRARY, a library inside the package folder is used (a platform wheel)."""
    import shutil
    pkg = os.path.dirname(zkbio.__file__)
    shutil.copytree(pkg, tmp_path / "zkbio")
    shutil.copy(os.environ["ZKBIO_LIBRARY"], tmp_path / "zkbio" / "libzkbio.so.0")
    env = {k: v for k, v in os.environ.items() if k != "ZKBIO_LIBRARY"}
    env["PYTHONPATH"] = str(tmp_path)
    r = subprocess.run([sys.executable, "-c", "import zkbio; print(zkbio.library_path)"],
                       capture_output=True, text=True, env=env, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "zkbio" / "libzkbio.so.0")


def test_error_class_from_the_enum():
    e = ZKBioError(errors.ECONN)
    assert (e.code, e.name) == (-18, "ZKBIO_ECONN")
    assert e.message == "Connection failed or lost"
    assert str(e) == "ZKBIO_ECONN: Connection failed or lost"
    assert ZKBioError(-999).name == "ZKBIO_UNKNOWN"
    for code in range(-1, -24, -1):
        assert errors.error_name(code).startswith("ZKBIO_E")
    with pytest.raises(ZKBioError) as info:
        errors.check(-5, "slot 3 is empty")
    assert info.value.name == "ZKBIO_ENOENT" and info.value.message == "slot 3 is empty"
    assert errors.check(7) == 7
