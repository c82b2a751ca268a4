# SPDX-License-Identifier: Apache-2.0
"""zkbio.zkfp (pyzkfp's ZKFP2 method names) on a sim reader: the enrollment flow of ZKFinger's demos
(poll AcquireFingerprint, DBMatch consecutive captures, DBMerge, DBAdd, DBIdentify)."""
import pytest

from zkbio import ZKBioError
from zkbio.zkfp import ZKFP2, MATCH_THRESHOLD
from conftest import data


def test_enroll_and_identify(fvc_images):
    with ZKFP2(sim="dir:" + fvc_images) as zk:
        assert zk.GetDeviceCount() == 1
        assert zk.OpenDevice(0) == 0
        captures = []
        while len(captures) < 3:
            got = zk.AcquireFingerprint()
            if got:
                template, image = got
                assert len(image) == 388 * 374
                captures.append(template)
        assert zk.DBMatch(captures[0], captures[1]) >= MATCH_THRESHOLD
        reg, reg_len = zk.DBMerge(*captures)
        assert reg_len == len(reg)
        zk.DBInit()
        assert zk.DBAdd(7, reg) == 0 and zk.DBCount() == 1
        other, _ = zk.AcquireFingerprint()  # 102_1: another finger
        assert zk.DBIdentify(other) == (-1, 0)
        fid, score = zk.DBIdentify(captures[0])
        assert fid == 7 and score >= MATCH_THRESHOLD
        assert zk.AcquireFingerprint() is None  # no finger left on the reader
        assert zk.ExtractFromImage(data("fvc", "FVC2002_DB1_B", "101_1.tif"), 500) == captures[0]
        assert zk.Base64String2Blob(zk.Blob2Base64String(reg)) == reg
        zk.DBDel(7)
        assert zk.DBCount() == 0
        with pytest.raises(ZKBioError):
            zk.OpenDevice(3)
    with pytest.raises(ZKBioError):
        zk.GetDeviceCount()
