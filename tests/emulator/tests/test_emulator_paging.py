"""Listing: Collection envelope, continuation tokens, links.next without /v1, the deleted-users filter."""

from __future__ import annotations

import json
import time
import urllib.parse

from emulator_client import body

DELETED_FILTER = urllib.parse.quote(json.dumps({"Field": "UserState", "Value": "Inactive", "Operator": "equals"}), safe="")


def follow_all(api, first_path):
    """Page like the real client must: GET links.next.uri with /v1 prepended and every header it lists."""
    pages = [api.call("GET", first_path)]
    while True:
        page = body(pages[-1])
        assert pages[-1].status_code == 200
        nxt = page["links"].get("next")
        if nxt is None:
            assert "continuationToken" not in page
            return [body(p) for p in pages]
        assert not nxt["uri"].startswith("/v1") and nxt["method"] == "GET"
        assert nxt["headers"] == [{"key": "MS-ContinuationToken", "value": page["continuationToken"]}]
        headers = dict((h["key"], h["value"]) for h in nxt["headers"])
        pages.append(api.call("GET", "/v1" + nxt["uri"], headers=headers))


def test_three_pages_in_creation_order(emu, api):
    emu.store.generate_users(api.empty_customer, 250, prefix="page")
    pages = follow_all(api, api.users_path(api.empty_customer) + "?size=100")
    assert [p["totalCount"] for p in pages] == [100, 100, 50]
    assert [len(p["items"]) for p in pages] == [100, 100, 50]
    assert all(p["attributes"] == {"objectType": "Collection"} for p in pages)
    listed = [u["id"] for p in pages for u in p["items"]]
    assert listed == [u["id"] for u in emu.store.admin_users(api.empty_customer)]
    assert pages[0]["links"]["self"]["uri"] == "/customers/%s/users?size=100" % api.empty_customer
    assert pages[0]["links"]["next"]["uri"] == "/customers/%s/users?size=100&seekOperation=Next" % api.empty_customer
    log = [e for e in emu.requests() if e["service"] == "partnercenter"]
    assert [e["continuation_token_sent"] for e in log] == [False, True, True]
    assert log[1]["query"] == {"size": "100", "seekOperation": "Next"}
    user = pages[2]["items"][0]
    assert set(user) == {"usageLocation", "id", "userPrincipalName", "firstName", "lastName", "displayName", "userDomainType",
                         "state", "links", "attributes"}
    assert user["attributes"] == {"objectType": "CustomerUser"}


def test_paging_survives_writes_between_pages(emu, api):
    made = emu.store.generate_users(api.empty_customer, 5, prefix="w")
    first = body(api.call("GET", api.users_path(api.empty_customer) + "?size=2"))
    api.call("DELETE", api.users_path(api.empty_customer, first["items"][1]["id"]))
    second = body(api.call("GET", "/v1" + first["links"]["next"]["uri"], headers={"MS-ContinuationToken": first["continuationToken"]}))
    assert [u["id"] for u in second["items"]] == [made[2].id, made[3].id]


def test_default_size_and_clamp(emu, api):
    emu.store.generate_users(api.empty_customer, 600, prefix="clamp")
    default = body(api.call("GET", api.users_path(api.empty_customer)))
    assert default["totalCount"] == 100 and default["links"]["self"]["uri"] == "/customers/%s/users" % api.empty_customer
    clamped = body(api.call("GET", api.users_path(api.empty_customer) + "?size=5000"))
    assert clamped["totalCount"] == 500 and "size=500&" in clamped["links"]["next"]["uri"]


def test_seek_next_needs_a_valid_token(emu, api):
    emu.store.generate_users(api.empty_customer, 3, prefix="tok")
    path = api.users_path(api.empty_customer) + "?size=1&seekOperation=Next"
    assert body(api.call("GET", path))["code"] == 3000
    assert api.call("GET", path, headers={"MS-ContinuationToken": "garbage"}).status_code == 400
    first = body(api.call("GET", api.users_path(api.empty_customer) + "?size=1"))
    other_customer = api.users_path() + "?size=1&seekOperation=Next"
    assert api.call("GET", other_customer, headers={"MS-ContinuationToken": first["continuationToken"]}).status_code == 400
    deleted = api.users_path(api.empty_customer) + "?size=1&filter=%s&seekOperation=Next" % DELETED_FILTER
    assert api.call("GET", deleted, headers={"MS-ContinuationToken": first["continuationToken"]}).status_code == 400
    # The SDK's other form: seekOperation=Next with only the header; the token remembers the page size.
    second = api.call("GET", api.users_path(api.empty_customer) + "?seekOperation=Next",
                      headers={"MS-ContinuationToken": first["continuationToken"]})
    assert body(second)["totalCount"] == 1
    assert api.call("GET", api.users_path(api.empty_customer) + "?seekOperation=Previous").status_code == 400
    assert api.call("GET", api.users_path(api.empty_customer) + "?size=abc").status_code == 400


def test_deleted_filter_lists_only_soft_deleted_users(emu, api):
    emu.store.generate_users(api.empty_customer, 3, prefix="alive")
    emu.store.generate_users(api.empty_customer, 5, prefix="gone", state="inactive")
    pages = follow_all(api, api.users_path(api.empty_customer) + "?size=2&filter=" + DELETED_FILTER)
    items = [u for p in pages for u in p["items"]]
    assert [p["totalCount"] for p in pages] == [2, 2, 1]
    assert all(u["state"] == "inactive" and u["softDeletionTime"] for u in items)
    assert all(u["userPrincipalName"].startswith("gone") for u in items)
    # The recorded self link names the field UserStatus and has a literal &amp;.
    assert pages[0]["links"]["self"]["uri"] == (
        "/customers/%s/users?size=2&amp;filter=%%7B%%22Field%%22%%3A%%22UserStatus%%22%%2C%%22Value%%22%%3A%%22Inactive"
        "%%22%%2C%%22Operator%%22%%3A%%22equals%%22%%7D" % api.empty_customer)
    assert "filter=" in pages[0]["links"]["next"]["uri"]
    assert body(api.call("GET", api.users_path(api.empty_customer)))["totalCount"] == 3


def test_unknown_filter_is_400(api):
    for value in ({"Field": "UserPrincipalName", "Value": "a", "Operator": "startswith"}, "not json"):
        text = value if isinstance(value, str) else json.dumps(value)
        response = api.call("GET", api.users_path() + "?filter=" + urllib.parse.quote(text, safe=""))
        assert response.status_code == 400 and body(response)["code"] == 3000


def test_ten_thousand_users_page_quickly(emu, api):
    started = time.time()
    emu.store.generate_users(api.empty_customer, 10000, prefix="bench")
    pages = follow_all(api, api.users_path(api.empty_customer) + "?size=500")
    assert len(pages) == 20 and sum(p["totalCount"] for p in pages) == 10000
    assert time.time() - started < 10
