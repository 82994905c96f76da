# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""In-memory stand-ins for the endpoint classes (users_api.UsersApi, ...), for tests of convergence and modules without HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import uuid


class FakeUsersApi:
    """users_api.UsersApi over a dict, recording every call."""

    def __init__(self, users=()):
        self.users = dict((user["id"], copy.deepcopy(user)) for user in users)
        self.calls = []
        self.create_error = None

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("create", "update", "reset_password", "delete")]

    def _active(self):
        return [u for u in self.users.values() if u["state"] == "active"]

    def get(self, user_id):
        self.calls.append(("get", user_id))
        user = self.users.get(user_id)
        return copy.deepcopy(user) if user and user["state"] == "active" else None

    def list_active(self):
        self.calls.append(("list_active",))
        return iter(copy.deepcopy(self._active()))

    def list_deleted(self):
        self.calls.append(("list_deleted",))
        return iter(copy.deepcopy([u for u in self.users.values() if u["state"] != "active"]))

    def find_deleted_by_id(self, user_id):
        return next((u for u in self.list_deleted() if u["id"] == user_id), None)

    def find_by_upn(self, upn):
        for listing in (self.list_active, self.list_deleted):
            for user in listing():
                if user["userPrincipalName"].lower() == upn.lower():
                    return user
        return None

    def create(self, body):
        self.calls.append(("create", body))
        error, self.create_error = self.create_error, None
        if error is not None:
            raise error
        user = dict((k, v) for k, v in body.items() if k not in ("attributes",))
        user.update(id=str(uuid.uuid4()), state="active", userDomainType="none")
        self.users[user["id"]] = user
        return copy.deepcopy(user)  # echoes passwordProfile, like the service

    def update(self, user_id, body):
        self.calls.append(("update", user_id, body))
        user = self.users[user_id]
        user.update((k, v) for k, v in body.items() if k != "attributes")
        if body.get("state") == "active":
            user["softDeletionTime"] = None
        return copy.deepcopy(user)

    def reset_password(self, user_id, body):
        self.calls.append(("reset_password", user_id, body))
        return dict(copy.deepcopy(self.users[user_id]), passwordProfile=body["passwordProfile"])

    def delete(self, user_id):
        self.calls.append(("delete", user_id))
        self.users[user_id].update(state="inactive", softDeletionTime="2026-11-21T00:00:00Z")


def api_user(upn, state="active", **fields):
    user = dict(id=str(uuid.uuid4()), userPrincipalName=upn, displayName=fields.pop("displayName", upn.split("@")[0]),
                usageLocation="US", state=state, userDomainType="none")
    if state != "active":
        user["softDeletionTime"] = "2026-11-01T00:00:00Z"
    user.update(fields)
    return user
