"""The recorded response bodies are loaded and served exactly as recorded."""

from __future__ import annotations

import json
import os

from emulator_client import BOM, body
from partnercenter_emulator import Emulator
from partnercenter_emulator.server import FIXTURES_DIR


def fixture_bytes(name):
    with open(os.path.join(FIXTURES_DIR, name), "rb") as handle:
        return handle.read()


def fixture(name):
    return json.loads(fixture_bytes(name).decode("utf-8-sig"))


def assert_same_object(served, recorded):
    assert list(served) == list(recorded)
    for key in recorded:
        assert served[key] == recorded[key], key


def test_listing_serves_recorded_users_key_by_key(api):
    items = dict((u["id"], u) for u in body(api.call("GET", api.users_path()))["items"])
    recorded = fixture("GetCustomerUserAll.json.bin")["items"] + [fixture("GetCustomerUserById.json.bin")]
    assert len(items) == len(recorded) == 3
    for user in recorded:
        assert_same_object(items[user["id"]], user)


def test_deleted_listing_serves_recorded_user(api):
    deleted = body(api.call("GET", api.users_path() + "?size=500&filter=%7B%22Field%22%3A%22UserState%22%2C%22Value%22%3A%22Inactive"
                                                      "%22%2C%22Operator%22%3A%22equals%22%7D"))
    recorded = fixture("GetCustomerUserAllDeleted.json.bin")
    assert deleted["totalCount"] == 1
    assert_same_object(deleted["items"][0], recorded["items"][0])
    assert deleted["links"]["self"] == recorded["links"]["self"]


def test_get_by_id_serves_the_recorded_bytes_until_changed(api):
    raw = fixture_bytes("GetCustomerUserById.json.bin")
    assert raw.startswith(BOM)
    path = api.users_path(user_id="482e2152-4b49-48ec-b715-823365ce3d4c")
    assert api.call("GET", path).content == raw
    api.call("PATCH", path, json_body={"displayName": "Jade A."})
    changed = api.call("GET", path)
    assert changed.content != raw and body(changed)["displayName"] == "Jade A."
    assert_same_object(dict(body(changed), displayName="Jade Azul"), fixture("GetCustomerUserById.json.bin"))


def test_every_partner_center_body_starts_with_a_bom(api):
    responses = [api.call("GET", api.users_path()), api.call("GET", api.users_path(user_id="a9ef48bb-8758-4590-a312-d4a47bfaded4")),
                 api.create("bom@contoso.onmicrosoft.com"), api.call("GET", api.users_path(), token=None),
                 api.call("GET", api.users_path(customer="00000000-0000-0000-0000-000000000000")), api.create("bad@fabrikam.com")]
    for response in responses:
        assert response.content.startswith(BOM), response.status_code
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_seed_loads_fixtures_with_leading_whitespace(tmp_path, monkeypatch):
    recorded = fixture_bytes("GetCustomerUserAll.json.bin")
    odd = tmp_path / "spaced.json"
    odd.write_bytes(b"  " + recorded[len(BOM):])   # like GetCustomerLicenseUser.json: two spaces, no BOM
    seed = {"partner_tenant_id": "11111111-1111-1111-1111-111111111111", "apps": [{"client_id": "22222222-2222-2222-2222-222222222222"}],
            "refresh_tokens": [], "customers": [{"id": "46a62ece-10ad-42e5-b3f1-b2ed53e6fc08",
                                                 "domains": ["dtdemocspcustomer005.onmicrosoft.com"],
                                                 "users_from_fixtures": [str(odd)]}]}
    seed_path = tmp_path / "seed.json"
    seed_path.write_text(json.dumps(seed))
    emu = Emulator(seed_path=str(seed_path), state_dir=str(tmp_path / "state"))   # not started: the store is enough
    users = emu.store.admin_users("46a62ece-10ad-42e5-b3f1-b2ed53e6fc08")
    assert [u["userPrincipalName"] for u in users] == [u["userPrincipalName"] for u in fixture("GetCustomerUserAll.json.bin")["items"]]
    assert emu.settings["public_client_id"] == "22222222-2222-2222-2222-222222222222" and emu.settings["client_id"] is None
