# SPDX-License-Identifier: Apache-2.0
"""pyzk's Finger record (a terminal's template bytes) for zkbio.zk."""
import binascii
import struct


class Finger(object):
    """uid, fid (finger 0..9), valid (flag: 1 valid, 3 duress), template (bytes), size, mark."""

    def __init__(self, uid, fid, valid, template):
        self.size = len(template)
        self.uid = int(uid)
        self.fid = int(fid)
        self.valid = int(valid)
        self.template = template
        self.mark = binascii.hexlify(template[:8]) + b"..." + binascii.hexlify(template[-8:])

    def repack(self):
        """size+6, uid, fid, valid, template: the record of a template download."""
        return struct.pack("<HHbb", self.size + 6, self.uid, self.fid, self.valid) + self.template

    def repack_only(self):
        return struct.pack("<H", self.size) + self.template

    @staticmethod
    def json_unpack(json):
        return Finger(json["uid"], json["fid"], json["valid"], binascii.unhexlify(json["template"]))

    def json_pack(self):
        return {"size": self.size, "uid": self.uid, "fid": self.fid, "valid": self.valid,
                "template": binascii.hexlify(self.template).decode("ascii")}

    def __eq__(self, other):
        return self.__dict__ == other.__dict__

    def _text(self, t):
        return "<Finger> [uid:%3d, fid:%s, size:%4d v:%s t:%s]" % (self.uid, self.fid, self.size,
                                                                   self.valid, t)

    def __str__(self):
        return self._text(self.mark)

    __repr__ = __str__

    def dump(self):
        return self._text(binascii.hexlify(self.template))
