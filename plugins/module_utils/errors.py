# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# Simplified BSD License (see https://opensource.org/licenses/BSD-2-Clause)

"""The collection's errors: PartnerCenterError, UserInputError, TransportError, and option().

What an error body says and the hints for it are in error_reports.py, imported only when a call
fails. Nothing here speaks HTTP; api_client.py and auth.py build the errors.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

UTF8_BOM = b"\xef\xbb\xbf"

_OPTION_ENV = {
    "refresh_token": "PARTNERCENTER_REFRESH_TOKEN",
    "access_token": "PARTNERCENTER_ACCESS_TOKEN",
    "client_id": "PARTNERCENTER_CLIENT_ID",
    "client_secret": "PARTNERCENTER_CLIENT_SECRET",
    "tenant_id": "PARTNERCENTER_TENANT_ID",
    "retries": "PARTNERCENTER_RETRIES",
    "retry_max_delay": "PARTNERCENTER_RETRY_MAX_DELAY",
    "timeout": "PARTNERCENTER_TIMEOUT",
    "ca_path": "PARTNERCENTER_CA_PATH",
    "validate_certs": "PARTNERCENTER_VALIDATE_CERTS",
    "authority_host": "PARTNERCENTER_AUTHORITY_HOST",
    "api_url": "PARTNERCENTER_API_URL",
    "token_cache": "PARTNERCENTER_TOKEN_CACHE",
    "token_cache_path": "PARTNERCENTER_TOKEN_CACHE_PATH",
    "rotate_refresh_token": "PARTNERCENTER_ROTATE_REFRESH_TOKEN",
}


def option(name):
    """'refresh_token (PARTNERCENTER_REFRESH_TOKEN)': an option named together with its environment variable."""
    return "%s (%s)" % (name, _OPTION_ENV[name])


def _sentence(text):
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class PartnerCenterError(Exception):
    """A failed Partner Center or Entra ID call, with everything a failure report needs.

    str(error) is one sentence: method, URL, status, the service's code and description, the
    request and correlation ids, and a hint. It never contains a token or secret.
    """

    def __init__(self, message, status=None, code=None, description=None, request_id=None, correlation_id=None,
                 method=None, url=None, hint=None, attempts=None, may_have_written=False):
        super(PartnerCenterError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.description = description
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.method = method
        self.url = url
        self.hint = hint
        self.attempts = attempts
        # A write whose answer was lost, or a 5xx or 408, on some attempt: it may have been applied although the call failed.
        self.may_have_written = may_have_written

    def __str__(self):
        text = self.message.strip()
        if self.method and self.url:
            after = " after %d attempts" % self.attempts if self.attempts and self.attempts > 1 else ""
            text = "%s %s failed%s: %s" % (self.method, self.url, after, text)
        text = _sentence(text)
        ids = []
        if self.request_id:
            ids.append("MS-RequestId %s" % self.request_id)
        if self.correlation_id:
            ids.append("MS-CorrelationId %s" % self.correlation_id)
        if ids:
            text += " (%s)" % ", ".join(ids)
        if self.may_have_written:
            text += (" The write may have been applied all the same: an attempt's answer was lost or was a server error "
                     "(5xx or 408), which can come after the write was committed. "
                     "Run the task again (it reads before it writes) to find out and finish the job.")
        if self.hint:
            text += " Hint: " + _sentence(self.hint)
        return text

    def to_result(self):
        """Keyword arguments for module.fail_json(); every key is present, None when unknown."""
        return dict(
            msg=str(self),
            status=self.status,
            error_code=self.code,
            error_description=self.description,
            request_id=self.request_id,
            correlation_id=self.correlation_id,
            method=self.method,
            url=self.url,
        )


class UserInputError(ValueError):
    """A task's options that cannot work; the message names the option. Raised before any write."""


class TransportError(Exception):
    """A request that got no HTTP response. kind: "timeout", "connection" or "tls".

    sent: whether the request may have reached the service whole (False when it failed before it
    was sent: refused, unresolvable, a TLS failure, an error while sending).
    """

    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"

    def __init__(self, kind, message, sent=True):
        super(TransportError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.sent = sent and kind != self.TLS

    def __str__(self):
        return self.message
