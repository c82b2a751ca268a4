# SPDX-License-Identifier: Apache-2.0
"""pyzk's Attendance record for zkbio.zk: user_id, timestamp (naive datetime), status (verify
type), punch (punch state), uid."""


class Attendance(object):

    def __init__(self, user_id, timestamp, status, punch=0, uid=0):
        self.uid = uid
        self._user_id = user_id
        self._timestamp = timestamp
        self._status = status
        self._punch = punch

    user_id = property(lambda self: self._user_id)
    timestamp = property(lambda self: self._timestamp)
    status = property(lambda self: self._status)
    punch = property(lambda self: self._punch)

    def __call__(self):
        return self._user_id, self._timestamp, self._status, self._punch

    def __str__(self):
        return "<Attendance>: %s : %s (%s, %s)" % (self._user_id, self._timestamp, self._status,
                                                  self._punch)

    __repr__ = __str__
