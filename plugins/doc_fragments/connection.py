# -*- coding: utf-8 -*-
# Copyright: Contributors to the partnercenter.csp project
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The connection options of every module and plugin; the argument spec is
    # plugins/module_utils/connection.py connection_argument_spec(). Keep the two in step (unit tests hold them).
    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - Base URL of the Partner Center REST API, without the C(/v1) version segment.
      - Must be an C(https://) URL. Change it only for a sovereign cloud or a test endpoint.
      - If not set, the value of the E(PARTNERCENTER_API_URL) environment variable is used (an empty variable counts as not set).
    type: str
    default: https://api.partnercenter.microsoft.com
  authority_host:
    description:
      - The Microsoft Entra ID authority host that issues the tokens, for example V(https://login.microsoftonline.us) for US Government.
      - Must be an C(https://) URL. The token endpoint is O(authority_host)/O(tenant_id).
      - If not set, the value of the E(PARTNERCENTER_AUTHORITY_HOST) environment variable is used (an empty variable counts as not set).
    type: str
    default: https://login.microsoftonline.com
  tenant_id:
    description:
      - The partner's own tenant (its id or a verified domain), where the application is registered and the refresh token was issued.
      - Not the customer's tenant.
      - Required with O(refresh_token).
      - If not set, the value of the E(PARTNERCENTER_TENANT_ID) environment variable is used (an empty variable counts as not set).
    type: str
  client_id:
    description:
      - The application (client) id of the partner's Entra ID application that the refresh token was issued to.
      - Required with O(refresh_token).
      - If not set, the value of the E(PARTNERCENTER_CLIENT_ID) environment variable is used (an empty variable counts as not set).
    type: str
  client_secret:
    description:
      - The secret of the application O(client_id), when it is a confidential (web) application, as in the Secure Application Model.
      - Leave it unset for a public client application.
      - If not set, the value of the E(PARTNERCENTER_CLIENT_SECRET) environment variable is used (an empty variable counts as not set).
    type: str
  refresh_token:
    description:
      - The App+User refresh token of the Secure Application Model, obtained once through an interactive, MFA-enforced consent.
      - It is redeemed for an access token with the C(msal) library; see the notes.
      - Mutually exclusive with O(access_token). One of the two is required.
      - If not set, the value of the E(PARTNERCENTER_REFRESH_TOKEN) environment variable is used (an empty variable counts as not set).
    type: str
  access_token:
    description:
      - An App+User access token for C(https://api.partnercenter.microsoft.com), used as it is.
      - It is not renewed, so a run that outlives it fails; prefer O(refresh_token).
      - Mutually exclusive with O(refresh_token). One of the two is required.
      - If not set, the value of the E(PARTNERCENTER_ACCESS_TOKEN) environment variable is used (an empty variable counts as not set).
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificates of Partner Center and of the Entra ID authority.
      - Set to V(false) only on a trusted network, for tests.
      - If not set, the value of the E(PARTNERCENTER_VALIDATE_CERTS) environment variable is used (an empty variable counts as not set).
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to trust instead of the system trust store, for both Partner Center and the Entra ID authority.
      - It takes precedence over the E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE) environment variables.
      - If not set, the value of the E(PARTNERCENTER_CA_PATH) environment variable is used; if neither is set, the system trust store is used.
    type: path
  timeout:
    description:
      - Seconds to wait for a connection or for an answer, per HTTP request. Between V(1) and V(600).
      - If not set, the value of the E(PARTNERCENTER_TIMEOUT) environment variable is used (an empty variable counts as not set).
    type: int
    default: 30
  retries:
    description:
      - How many times a request is retried after its first attempt when Partner Center answers HTTP 408, 500, 502, 503 or
        504, times out, or the connection fails, or when it throttles (HTTP 429) and nothing of the partner got through
        since the request's last 429. Between V(0) and V(10).
      - A throttled request waits as long as the C(Retry-After) response header says (every task on the machine waits
        for it too), plus a random spread of up to a quarter of that (at most a second); the other retries wait an
        exponential, jittered backoff. Every retry sends the same C(MS-RequestId).
      - A throttle that lets other requests through costs no retry (a request still gives up after 50 throttled
        attempts); only a storm that lets nothing through fails after O(retries).
      - Other client errors (such as 400, 403, 404 or 409) are never retried. A 401 is retried once with a fresh
        token when O(refresh_token) is used.
      - If not set, the value of the E(PARTNERCENTER_RETRIES) environment variable is used (an empty variable counts as not set).
    type: int
    default: 3
  retry_max_delay:
    description:
      - The longest wait, in seconds, before a retry. Between V(0) and V(600).
      - A C(Retry-After) longer than this fails the request at once, saying how long Partner Center asked to wait,
        instead of retrying early while still throttled; so does every later request on the machine until that time.
      - If not set, the value of the E(PARTNERCENTER_RETRY_MAX_DELAY) environment variable is used (an empty variable counts as not set).
    type: int
    default: 60
  token_cache:
    description:
      - Whether to keep the access tokens redeemed from O(refresh_token) in a file (O(token_cache_path)), so that the
        next tasks reuse them until shortly before they expire instead of asking Entra ID again.
      - The same file keeps the rotation record of O(rotate_refresh_token). With V(false), no token is kept on disk and
        the refresh token is not rotated; the shared throttling state C(throttle.json) in the same directory is still
        kept (no secret in it; written only after Partner Center answers C(429)), so that the forks of a run still
        honour one another's C(Retry-After) and pace.
      - If not set, the value of the E(PARTNERCENTER_TOKEN_CACHE) environment variable is used (an empty variable counts as not set).
    type: bool
    default: true
  token_cache_path:
    description:
      - The token cache file. The shared throttling state is kept in the same directory, whether O(token_cache) is on
        or off (see there).
      - Its directory is created with mode C(0700) and the file is written with mode C(0600). A file or directory that
        another user owns, or that group or others can write, is not used (with a warning). A file that group or others
        can read is made C(0600) before it is used, and the C(partnercenter.csp) directory C(0700), with a warning naming
        the path (a directory you chose is left as it is).
      - If not set, the value of the E(PARTNERCENTER_TOKEN_CACHE_PATH) environment variable is used; if neither is set,
        C(partnercenter.csp/tokens.json) in the user's cache directory (E(XDG_CACHE_HOME), by default C(~/.cache)).
    type: path
  rotate_refresh_token:
    description:
      - Whether to keep, in the token cache (O(token_cache_path)), the new refresh token that Entra ID returns with every
        redeem, and to redeem the newest one held instead of O(refresh_token) (falling back once to O(refresh_token) when
        the newest is refused).
      - A refresh token lives 90 days from its own issue, however often it is used, so without rotation (or a write-back of
        the newest token, see M(partnercenter.csp.partnercenter_token_info)) O(refresh_token) stops working 90 days after
        it was issued.
      - Takes effect only while O(token_cache) is on. Each lineage (refresh token, tenant and client) keeps its own record,
        under a hash of the three.
      - If not set, the value of the E(PARTNERCENTER_ROTATE_REFRESH_TOKEN) environment variable is used (an empty variable counts as not set).
    type: bool
    default: true
notes:
  - All customer-user calls of Partner Center need an App+User token (a partner user acting through an application);
    app-only tokens are rejected. Use the Secure Application Model refresh token in O(refresh_token) with O(client_id),
    O(client_secret) and O(tenant_id); the consent that produced it must have been made with an MFA-enforced account.
  - A refresh token expires 90 days after its own issue, however often it is used (Entra ID then answers C(AADSTS700082));
    every redeem returns a new one. The collection keeps the newest in its token cache (O(rotate_refresh_token)); where
    the cache does not outlive a job (an AWX execution environment), store the newest token back where O(refresh_token)
    comes from (M(partnercenter.csp.partnercenter_token_info) with C(return_refresh_token), or the collection's
    C(rotate_refresh_token.yml) playbook). A task warns when the refresh token in use was first seen more than 75 days ago.
  - Access tokens redeemed from the refresh token are cached per user in O(token_cache_path), keyed by a hash of the
    authority, tenant, client and refresh token, so that a playbook of many tasks (and an inventory run before it) asks
    Entra ID once. The configured refresh token is never written to the cache; the newest rotated one is (mode 0600), unless
    O(rotate_refresh_token=false). Set O(token_cache=false) to keep no token on disk.
  - Every request carries an C(MS-RequestId) (kept across the retries of one call) and the C(MS-CorrelationId) of the
    run; failures report both.
requirements:
  - python >= 3.8
  - msal >= 1.19.0 (only to redeem a refresh token)
  - requests
"""

    # Plugins (the customers inventory) extend DOCUMENTATION and this: the environment variable of each option as an
    # env: entry, which plugins can declare and modules cannot (modules get theirs from env_fallback). ansible-core
    # merges the two per option. An empty variable counts as unset there too: the plugin treats an option whose origin
    # is an empty environment variable as not set.
    PLUGINS = r"""
options:
  api_url: {env: [{name: PARTNERCENTER_API_URL}]}
  authority_host: {env: [{name: PARTNERCENTER_AUTHORITY_HOST}]}
  tenant_id: {env: [{name: PARTNERCENTER_TENANT_ID}]}
  client_id: {env: [{name: PARTNERCENTER_CLIENT_ID}]}
  client_secret: {env: [{name: PARTNERCENTER_CLIENT_SECRET}]}
  refresh_token: {env: [{name: PARTNERCENTER_REFRESH_TOKEN}]}
  access_token: {env: [{name: PARTNERCENTER_ACCESS_TOKEN}]}
  validate_certs: {env: [{name: PARTNERCENTER_VALIDATE_CERTS}]}
  ca_path: {env: [{name: PARTNERCENTER_CA_PATH}]}
  timeout: {env: [{name: PARTNERCENTER_TIMEOUT}]}
  retries: {env: [{name: PARTNERCENTER_RETRIES}]}
  retry_max_delay: {env: [{name: PARTNERCENTER_RETRY_MAX_DELAY}]}
  token_cache: {env: [{name: PARTNERCENTER_TOKEN_CACHE}]}
  token_cache_path: {env: [{name: PARTNERCENTER_TOKEN_CACHE_PATH}]}
  rotate_refresh_token: {env: [{name: PARTNERCENTER_ROTATE_REFRESH_TOKEN}]}
notes:
  - Every connection option can also be set with its E(PARTNERCENTER_*) environment variable, such as the ones the
    AWX credential type C(Microsoft Partner Center (App+User)) of this collection injects. An empty variable counts as
    not set, so an optional credential field left empty means the option's default.
"""
