"""The request log: what it records, and that it never records a secret."""

from __future__ import annotations

import json
import uuid

import msal

PC_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"


def test_log_never_contains_secrets(emu, api):
    s = emu.settings
    app = msal.ConfidentialClientApplication(s["client_id"], client_credential=s["client_secret"], authority=s["authority"],
                                             instance_discovery=False)
    result = app.acquire_token_by_refresh_token(s["refresh_token"], scopes=[PC_SCOPE])
    app_only = app.acquire_token_for_client(["https://api.partnercenter.microsoft.com/.default"])
    expired = app.acquire_token_by_refresh_token(s["refresh_tokens"]["expired"], scopes=[PC_SCOPE])
    assert "error" in expired
    token = result["access_token"]
    created = api.create("secretive@contoso.onmicrosoft.com", token=token, password="F1rst!Secret")
    user_id = json.loads(created.content.decode("utf-8-sig"))["id"]
    api.call("PATCH", api.users_path(user_id=user_id) + "/resetpassword", token=token,
             json_body={"passwordProfile": {"password": "S3cond!Secret", "forceChangePassword": False}})
    api.call("PATCH", api.users_path(user_id=user_id), token=token, json_body={"passwordProfile": {"password": "Th1rd!Secret"}})
    api.call("GET", api.users_path(), token=app_only["access_token"])
    api.call("GET", api.users_path(), token=None, headers={"Authorization": "Bearer " + token + "x"})
    secrets = [s["client_secret"], s["refresh_token"], s["refresh_tokens"]["expired"], result["refresh_token"], token,
               app_only["access_token"], "F1rst!Secret", "S3cond!Secret", "Th1rd!Secret"]
    for dumped in (json.dumps(emu.requests()), api.admin("GET", "/requests").text):
        for secret in secrets:
            assert secret not in dumped
    admin_view = json.dumps(api.admin("GET", "/customers/%s/users" % api.customer).json())
    assert not any(p in admin_view for p in ("F1rst!Secret", "S3cond!Secret", "Th1rd!Secret"))
    assert emu.store.password_matches(api.customer, user_id, "Th1rd!Secret")


def test_log_entry_fields(emu, api):
    api.token("valid")
    request_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    api.call("GET", api.users_path() + "?size=2", headers={"MS-RequestId": request_id, "MS-CorrelationId": correlation_id,
                                                           "MS-PartnerCenter-Application": "partnercenter.csp tests"})
    api.admin("GET", "/health")
    entra, partner = emu.requests()
    assert entra["service"] == "entra" and entra["grant_type"] == "refresh_token" and entra["method"] == "POST"
    assert entra["client_id"] == emu.settings["client_id"] and entra["status"] == 200
    assert partner == dict(partner, service="partnercenter", method="GET", path="/v1" + api.users_path(),
                           query={"size": "2"}, request_id=request_id, correlation_id=correlation_id,
                           continuation_token_sent=False, application="partnercenter.csp tests", grant_type=None,
                           status=200, replayed=False, fault=None)
    assert partner["seq"] == entra["seq"] + 1 and partner["time"] >= entra["time"]
    assert [e["seq"] for e in emu.requests(since=entra["seq"])] == [partner["seq"]]
    emu.clear_requests()
    assert emu.requests() == []


def test_log_says_what_committed_and_which_user(emu, api):
    api.token("valid")
    api.token("no_roles")
    emu.clear_requests()
    request_id = str(uuid.uuid4())
    created = api.create("logged@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id}, usageLocation="US")
    user_id = json.loads(created.content.decode("utf-8-sig"))["id"]
    api.create("logged@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})           # replayed
    api.create("logged@contoso.onmicrosoft.com")                                                 # 400, exists
    api.call("GET", api.users_path(user_id=user_id))
    api.call("GET", api.users_path(user_id=user_id), token="no_roles")                          # 403
    api.call("POST", api.users_path(user_id=user_id) + "/licenseupdates",
             json_body={"licensesToAssign": [{"skuId": "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"}]})
    members = "/customers/%s/directoryroles/729827e3-9c14-49f7-bb1b-9608f156bbb8/usermembers" % api.customer
    api.call("POST", members, json_body={"id": user_id, "displayName": "L", "userPrincipalName": "logged@contoso.onmicrosoft.com",
                                         "attributes": {"objectType": "UserMember"}})
    api.call("GET", members)
    api.call("DELETE", members + "/" + user_id)
    emu.add_fault(method="DELETE", path="/users/", kind="status", status=503)
    api.call("DELETE", api.users_path(user_id=user_id))
    api.call("GET", "/customers")
    api.token_response()
    seen = [(e["method"], e["status"], e["replayed"], e["committed"], e["resource_id"]) for e in emu.requests()]
    assert seen == [("POST", 201, False, True, user_id), ("POST", 201, True, False, user_id), ("POST", 400, False, False, None),
                    ("GET", 200, False, True, user_id), ("GET", 403, False, False, user_id), ("POST", 201, False, True, user_id),
                    ("POST", 201, False, True, user_id), ("GET", 200, False, True, None), ("DELETE", 204, False, True, user_id),
                    ("DELETE", 503, False, False, user_id), ("GET", 200, False, True, None), ("POST", 200, False, False, None)]
