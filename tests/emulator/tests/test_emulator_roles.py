"""Directory roles: the tenant's roles, a user's roles, members (paged), add and remove, and their errors."""

from __future__ import annotations

from emulator_client import body

GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
HELPDESK = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
DANIEL = "a9ef48bb-8758-4590-a312-d4a47bfaded4"
DANIEL_UPN = "Daniel@dtdemocspcustomer005.onmicrosoft.com"
JADE = "482e2152-4b49-48ec-b715-823365ce3d4c"
DEFAULT_ROLES = [("Global Administrator", GLOBAL_ADMIN), ("User Administrator", USER_ADMIN), ("Helpdesk Administrator", HELPDESK),
                 ("License Administrator", "4d6ac14f-3453-41d0-bef9-a3e0c569773a"),
                 ("Billing Administrator", "b0f54661-2d74-4c50-afa3-1ec803f12efe"),
                 ("Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"),
                 ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
                 ("Directory Readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b")]


def members_path(api, role_id, customer=None):
    return "/customers/%s/directoryroles/%s/usermembers" % (customer or api.customer, role_id)


def member_body(user_id, display="Someone", upn="someone@contoso.onmicrosoft.com"):
    return {"Id": user_id, "DisplayName": display, "UserPrincipalName": upn, "Attributes": {"ObjectType": "UserMember"}}


def assert_error(response, status, code, text):
    assert response.status_code == status, response.content
    error = body(response)
    assert error["code"] == code and error["source"] == "PartnerFD", error
    assert text in error["description"], error["description"]


def test_every_customer_has_the_default_roles(api):
    for customer in (api.customer, api.empty_customer):
        listing = body(api.call("GET", "/customers/%s/directoryroles" % customer))
        assert set(listing) == {"totalCount", "items", "attributes"} and listing["totalCount"] == 8
        assert [(r["name"], r["id"]) for r in listing["items"]] == DEFAULT_ROLES
        assert all(r["attributes"] == {"objectType": "DirectoryRole"} for r in listing["items"])


def test_add_read_and_remove_a_member(emu, api):
    added = api.call("POST", members_path(api, HELPDESK), json_body=member_body(DANIEL, "Daniel Tsai", DANIEL_UPN))
    assert added.status_code == 201
    assert list(body(added)) == ["displayName", "userPrincipalName", "roleId", "id", "attributes"]
    assert body(added) == {"displayName": "Daniel Tsai", "userPrincipalName": DANIEL_UPN, "roleId": HELPDESK, "id": DANIEL,
                           "attributes": {"objectType": "UserMember"}}
    roles = body(api.call("GET", api.users_path(user_id=DANIEL) + "/directoryroles"))
    assert roles["totalCount"] == 1 and roles["items"] == [{"name": "Helpdesk Administrator", "id": HELPDESK,
                                                            "attributes": {"objectType": "DirectoryRole"}}]
    listing = body(api.call("GET", members_path(api, HELPDESK)))
    assert [m["id"] for m in listing["items"]] == [DANIEL] and "next" not in listing["links"]
    assert listing["links"]["self"]["uri"] == members_path(api, HELPDESK)
    assert emu.store.role_members(api.customer, "Helpdesk Administrator") == [DANIEL]
    assert emu.store.user_roles(api.customer, DANIEL) == [HELPDESK]
    assert api.call("DELETE", members_path(api, HELPDESK) + "/" + DANIEL).status_code == 204
    assert emu.store.role_members(api.customer, HELPDESK) == []
    assert body(api.call("GET", api.users_path(user_id=DANIEL) + "/directoryroles"))["items"] == []


def test_member_keys_bind_case_insensitively_and_are_all_required(emu, api):
    lower = {"id": JADE, "displayname": "Jade", "userprincipalname": "testuser@contoso.onmicrosoft.com", "attributes": {"objecttype": "UserMember"}}
    assert api.call("POST", members_path(api, USER_ADMIN), json_body=lower).status_code == 201
    for missing in ("Id", "DisplayName", "UserPrincipalName", "Attributes"):
        payload = member_body(DANIEL)
        del payload[missing]
        assert_error(api.call("POST", members_path(api, USER_ADMIN), json_body=payload), 400, 3000, missing)
    wrong_type = dict(member_body(DANIEL), Attributes={"ObjectType": "CustomerUser"})
    assert_error(api.call("POST", members_path(api, USER_ADMIN), json_body=wrong_type), 400, 3000, "UserMember")
    assert emu.store.role_members(api.customer, USER_ADMIN) == [JADE]


def test_adding_an_existing_member_is_400(emu, api):
    assert api.call("POST", members_path(api, GLOBAL_ADMIN), json_body=member_body(DANIEL)).status_code == 201
    again = api.call("POST", members_path(api, GLOBAL_ADMIN), json_body=member_body(DANIEL))
    assert_error(again, 400, 3000, "One or more added object references already exist for the following modified properties: 'members'.")
    assert emu.store.role_members(api.customer, GLOBAL_ADMIN) == [DANIEL]


def test_member_must_be_an_active_user_of_the_customer(api):
    for user_id in ("00000000-0000-0000-0000-0000000000bb", "a45f1416-3300-4f65-9e8d-f123b397a4ea"):   # unknown, soft-deleted
        assert_error(api.call("POST", members_path(api, HELPDESK), json_body=member_body(user_id)), 404, 60002, "User object Id is not found")
    assert_error(api.call("POST", members_path(api, HELPDESK, api.empty_customer), json_body=member_body(DANIEL)), 404, 60002, "")


def test_removing_a_non_member_is_404(api):
    assert_error(api.call("DELETE", members_path(api, HELPDESK) + "/" + DANIEL), 404, 3000, DANIEL)
    assert_error(api.call("DELETE", members_path(api, HELPDESK) + "/00000000-0000-0000-0000-0000000000cc"), 404, 3000, "not a member")


def test_unknown_role_is_404_naming_it(emu, api):
    unknown = "00000000-1111-2222-3333-444444444444"
    for response in (api.call("GET", members_path(api, unknown)), api.call("POST", members_path(api, unknown), json_body=member_body(DANIEL)),
                     api.call("DELETE", members_path(api, unknown) + "/" + DANIEL),
                     api.call("GET", members_path(api, "Helpdesk Administrator"))):   # names are not ids
        assert_error(response, 404, 3000, "not activated in this tenant")
    assert unknown in body(api.call("GET", members_path(api, unknown)))["description"]
    # A role left out of a tenant's list is "not activated" there.
    emu.store.add_customer("5b1a2c3d-0000-4000-8000-00000000abcd", ["tailspin.onmicrosoft.com"],
                           directory_roles=[{"name": "Global Administrator", "id": GLOBAL_ADMIN}])
    assert_error(api.call("GET", members_path(api, HELPDESK, "5b1a2c3d-0000-4000-8000-00000000abcd")), 404, 3000, HELPDESK)
    assert_error(api.call("GET", "/customers/00000000-0000-0000-0000-000000000001/directoryroles"), 404, 60003, "Tenant not found")


def test_unknown_or_deleted_user_roles_are_404_60002(api):
    assert_error(api.call("GET", api.users_path(user_id="00000000-0000-0000-0000-0000000000dd") + "/directoryroles"), 404, 60002, "")
    assert_error(api.call("GET", api.users_path(user_id="a45f1416-3300-4f65-9e8d-f123b397a4ea") + "/directoryroles"), 404, 60002, "")


def test_members_page_over_500_with_continuation_tokens(emu, api):
    users = emu.store.generate_users(api.empty_customer, 1203, prefix="member")
    for user in users:
        emu.store.add_role_member(api.empty_customer, "Directory Readers", user.id)
    role = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"
    pages = [body(api.call("GET", members_path(api, role, api.empty_customer) + "?size=5000"))]
    while "next" in pages[-1]["links"]:
        nxt = pages[-1]["links"]["next"]
        assert not nxt["uri"].startswith("/v1") and nxt["uri"].endswith("?size=500&seekOperation=Next")
        assert nxt["headers"] == [{"key": "MS-ContinuationToken", "value": pages[-1]["continuationToken"]}]
        pages.append(body(api.call("GET", "/v1" + nxt["uri"], headers={"MS-ContinuationToken": pages[-1]["continuationToken"]})))
    assert [p["totalCount"] for p in pages] == [500, 500, 203]
    assert [m["id"] for p in pages for m in p["items"]] == [u.id for u in users]
    member = pages[0]["items"][0]
    assert member == {"displayName": users[0].fields["displayName"], "userPrincipalName": users[0].upn, "roleId": role, "id": users[0].id,
                      "attributes": {"objectType": "UserMember"}}
    log = [e for e in emu.requests() if e["service"] == "partnercenter"]
    assert [e["continuation_token_sent"] for e in log] == [False, True, True]
    # Default size 100; a token of another role or listing is refused.
    first = body(api.call("GET", members_path(api, role, api.empty_customer)))
    assert first["totalCount"] == 100
    other = members_path(api, HELPDESK, api.empty_customer) + "?seekOperation=Next"
    assert_error(api.call("GET", other, headers={"MS-ContinuationToken": first["continuationToken"]}), 400, 3000, "MS-ContinuationToken")
    users_next = api.users_path(api.empty_customer) + "?seekOperation=Next"
    assert_error(api.call("GET", users_next, headers={"MS-ContinuationToken": first["continuationToken"]}), 400, 3000, "MS-ContinuationToken")
    assert_error(api.call("GET", members_path(api, role, api.empty_customer) + "?seekOperation=Next"), 400, 3000, "MS-ContinuationToken")


def test_delete_removes_every_membership_and_restore_gives_them_back(emu, api):
    # practical365.com: a restored account "regains ... any administrative roles it held prior to deletion".
    for role in (GLOBAL_ADMIN, HELPDESK):
        assert api.call("POST", members_path(api, role), json_body=member_body(JADE)).status_code == 201
    assert emu.store.user_roles(api.customer, JADE) == [GLOBAL_ADMIN, HELPDESK]
    assert api.call("DELETE", api.users_path(user_id=JADE)).status_code == 204
    assert emu.store.user_roles(api.customer, JADE) == [] and emu.store.role_members(api.customer, HELPDESK) == []
    assert api.call("PATCH", api.users_path(user_id=JADE), json_body={"state": "active"}).status_code == 200
    items = body(api.call("GET", api.users_path(user_id=JADE) + "/directoryroles"))["items"]
    assert [item["id"] for item in items] == [GLOBAL_ADMIN, HELPDESK]
    assert emu.store.role_members(api.customer, HELPDESK) == [JADE]


def test_control_endpoints_for_roles(emu, api):
    added = api.admin("POST", "/customers/%s/directoryroles/%s/members" % (api.customer, USER_ADMIN), {"users": [DANIEL_UPN.lower(), JADE]})
    assert added.status_code == 201 and added.json() == {"added": 2, "ids": [DANIEL, JADE]}
    roles = dict((r["id"], r) for r in api.admin("GET", "/customers/%s/directoryroles" % api.customer).json())
    assert roles[USER_ADMIN]["name"] == "User Administrator"
    assert roles[USER_ADMIN]["members"] == [{"id": DANIEL, "userPrincipalName": DANIEL_UPN},
                                            {"id": JADE, "userPrincipalName": "testuser@contoso.onmicrosoft.com"}]
    assert roles[HELPDESK]["members"] == []
    assert emu.store.find_user(api.customer, uid=DANIEL)["directoryRoles"] == [USER_ADMIN]
    assert api.admin("POST", "/customers/%s/directoryroles/%s/members" % (api.customer, USER_ADMIN), {"users": [JADE]}).status_code == 400
    assert api.admin("POST", "/customers/%s/directoryroles/nope/members" % api.customer, {"users": [JADE]}).status_code == 404
