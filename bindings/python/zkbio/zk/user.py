# SPDX-License-Identifier: Apache-2.0
"""pyzk's User record (attribute names, privilege helpers, str/repr) for zkbio.zk."""


class User(object):
    """A terminal user as pyzk shows it: uid (int slot), name (str), privilege (int byte),
    password (str), group_id (str), user_id (str PIN), card (int)."""

    encoding = "UTF-8"

    def __init__(self, uid, name, privilege, password="", group_id="", user_id="", card=0):
        self.uid = uid
        self.name = "%s" % (name,)
        self.privilege = privilege
        self.password = str(password)
        self.group_id = str(group_id)
        self.user_id = user_id
        self.card = int(card)

    @staticmethod
    def json_unpack(json):
        keys = ("uid", "name", "privilege", "password", "group_id", "user_id", "card")
        return User(**{k: json[k] for k in keys})

    def is_disabled(self):
        """Bit 0 of the privilege byte marks a disabled user."""
        return bool(self.privilege & 1)

    def is_enabled(self):
        return not self.is_disabled()

    def usertype(self):
        """The role bits (const.USER_DEFAULT, USER_ENROLLER, USER_MANAGER, USER_ADMIN)."""
        return self.privilege & 0xE

    def __str__(self):
        return "<User>: [uid:%s, name:%s user_id:%s]" % (self.uid, self.name, self.user_id)

    __repr__ = __str__
