"""The business failure the store raises, and the Partner Center error codes it uses."""

from __future__ import annotations

# Partner Center error codes (section 5.2 of the reference); 3000 is also used for the undocumented cases.
NOT_FOUND = 1000
INVALID_PROPERTY = 3000
USER_NOT_FOUND = 60002
TENANT_NOT_FOUND = 60003
LICENSE_QUOTA_EXCEEDED = 60012


class StoreError(Exception):
    """A business failure; `code` is the Partner Center error code, `status` the HTTP status (400 unless given)."""

    def __init__(self, code, description, status=None, data=None):
        super(StoreError, self).__init__(description)
        self.code = code
        self.description = description
        self.status = status
        self.data = list(data or [])


def invalid(description):
    return StoreError(INVALID_PROPERTY, description)


def not_found(description):
    """A 404 with code 3000: the emulator's choice where the service's code is undocumented."""
    return StoreError(INVALID_PROPERTY, description, status=404)
