"""Directory roles of a customer and their user members. No HTTP and no locking here."""

from __future__ import annotations

import bisect

from .errors import invalid


class DirectoryRole(object):
    """A role activated in a tenant; members keep the order they were added in (for stable paging)."""

    __slots__ = ("id", "key", "name", "members", "seqs", "by_seq")

    def __init__(self, name, role_id):
        if not isinstance(name, str) or not name or not isinstance(role_id, str) or not role_id:
            raise invalid("directory_roles: every role needs a name and an id.")
        self.id = role_id
        self.key = role_id.lower()
        self.name = name
        self.members = {}   # user id (lower) -> membership sequence number
        self.seqs = []      # sorted membership sequence numbers
        self.by_seq = {}    # membership sequence number -> User

    def render(self):
        return {"name": self.name, "id": self.id, "attributes": {"objectType": "DirectoryRole"}}

    def has(self, user):
        return user.id.lower() in self.members

    def add(self, user, seq):
        self.members[user.id.lower()] = seq
        self.seqs.append(seq)   # new sequence numbers are always the largest
        self.by_seq[seq] = user

    def remove(self, user):
        seq = self.members.pop(user.id.lower(), None)
        if seq is None:
            return False
        index = bisect.bisect_left(self.seqs, seq)
        if index < len(self.seqs) and self.seqs[index] == seq:
            del self.seqs[index]
        del self.by_seq[seq]
        return True

    def render_member(self, user):
        return {"displayName": user.fields.get("displayName"), "userPrincipalName": user.upn, "roleId": self.id, "id": user.id,
                "attributes": {"objectType": "UserMember"}}


def parse_user_member(body):
    """(id, displayName, userPrincipalName) of a UserMember body; the four keys bind case-insensitively and are required."""
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    fields = dict((str(k).lower(), v) for k, v in body.items())
    values = []
    for key, name in (("id", "Id"), ("displayname", "DisplayName"), ("userprincipalname", "UserPrincipalName")):
        value = fields.get(key)
        if not isinstance(value, str) or not value.strip():
            raise invalid("%s: The property is required." % name)
        values.append(value)
    attributes = fields.get("attributes")
    if not isinstance(attributes, dict):
        raise invalid("Attributes: The property is required ({\"ObjectType\": \"UserMember\"}).")
    object_type = dict((str(k).lower(), v) for k, v in attributes.items()).get("objecttype")
    if str(object_type).lower() != "usermember":
        raise invalid("Attributes.ObjectType: expected 'UserMember', got %r." % (object_type,))
    return tuple(values)
