"""Rate limit, latency, seeded chaos faults and the replay switch."""

from __future__ import annotations

import email.utils
import threading
import time
import uuid

import pytest
import requests

from emulator_client import BOM, STRONG_PASSWORD, body


def pc_log(emu):
    return [e for e in emu.requests() if e["service"] == "partnercenter"]


def statuses(api, count, path=None):
    return [api.call("GET", path or api.users_path()).status_code for attempt in range(count)]


def test_rate_limit_is_off_by_default(emu, api):
    assert emu.configure()["rate_limit"] is None
    assert statuses(api, 30) == [200] * 30


def test_burst_then_429_with_an_honest_retry_after(emu, api):
    api.token("valid")
    emu.configure(rate_limit=2, rate_burst=3)
    assert statuses(api, 3) == [200] * 3
    throttled = api.create("throttled@contoso.onmicrosoft.com")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.content.startswith(BOM)
    assert body(throttled) == {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}
    assert emu.store.find_user(api.customer, upn="throttled@contoso.onmicrosoft.com") is None
    entry = pc_log(emu)[-1]
    assert (entry["fault"], entry["status"], entry["committed"]) == ("rate_limit", 429, False)
    # Entra ID and the control endpoints are not limited.
    assert api.token_response().status_code == 200 and api.admin("GET", "/health").status_code == 200
    time.sleep(int(throttled.headers["Retry-After"]))
    assert api.create("throttled@contoso.onmicrosoft.com").status_code == 201


def test_retry_after_is_the_ceiling_of_the_wait(emu, api):
    api.token("valid")
    emu.configure(rate_limit=0.4)   # burst max(1, 0.4) = 1; the next token comes 2.5 s later
    assert statuses(api, 2) == [200, 429]
    throttled = api.call("GET", api.users_path())
    assert throttled.headers["Retry-After"] == "3" and "Try again in 3 seconds." in body(throttled)["message"]


def test_rate_limit_is_partner_wide_and_thread_safe(emu, api):
    api.token("valid")
    emu.configure(rate_limit=0.01, rate_burst=5)
    results = []
    lock = threading.Lock()

    def call(customer):
        session = requests.Session()
        response = session.get(emu.url + "/v1/customers/%s/users" % customer, headers={"Authorization": "Bearer " + api.token("valid")})
        with lock:
            results.append(response.status_code)
    threads = [threading.Thread(target=call, args=(api.customer if n % 2 else api.empty_customer,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [200] * 5 + [429] * 15


def test_rate_limit_per_customer_keeps_a_bucket_per_customer(emu, api):
    """rate_limit_scope "customer": the other plausible behaviour (Partner Center limits some APIs per partner and
    customer pair); the calls that name no customer share the partner's bucket."""
    api.token("valid")
    assert emu.configure()["rate_limit_scope"] == "partner"
    assert emu.configure(rate_limit=0.01, rate_burst=2, rate_limit_scope="customer")["rate_limit_scope"] == "customer"
    assert statuses(api, 3) == [200, 200, 429]
    assert statuses(api, 3, api.users_path(api.empty_customer)) == [200, 200, 429], "another customer has its own bucket"
    assert statuses(api, 3, api.users_path(api.customer.upper())) == [429] * 3, "the id is the customer, whatever its case"
    assert [api.call("GET", "/customers").status_code for _n in range(3)] == [200, 200, 429], "partner-wide calls: the partner's"
    assert api.admin("POST", "/config", {"rate_limit_scope": "tenant"}).status_code == 400
    emu.configure(rate_limit_scope="partner")
    assert statuses(api, 3) == [200, 200, 429] and statuses(api, 1, api.users_path(api.empty_customer)) == [429]
    emu.reset()
    assert emu.configure()["rate_limit_scope"] == "partner"


def test_rate_limit_via_config_and_reset(emu, api):
    api.token("valid")
    config = api.admin("POST", "/config", {"rate_limit": 1, "rate_burst": 1}).json()
    assert (config["rate_limit"], config["rate_burst"]) == (1.0, 1.0)
    assert statuses(api, 2) == [200, 429]
    assert api.admin("POST", "/config", {"rate_limit": 0}).json()["rate_limit"] is None
    assert statuses(api, 5) == [200] * 5
    for bad in ({"rate_limit": -1}, {"rate_burst": 0.5}, {"rate_limit": "fast"}):
        assert api.admin("POST", "/config", bad).status_code == 400
    emu.configure(rate_limit=1)
    emu.reset()
    assert emu.configure()["rate_limit"] is None and api.admin("GET", "/config").json()["rate_limit"] is None


def test_latency_delays_partner_center_and_entra_not_control(emu, api):
    api.token("valid")
    assert api.admin("POST", "/config", {"latency": 0.25}).json()["latency"] == 0.25
    for call in (lambda: api.call("GET", api.users_path()), api.token_response):
        started = time.time()
        assert call().status_code == 200
        assert time.time() - started >= 0.25
    started = time.time()
    api.admin("GET", "/health")
    assert time.time() - started < 0.25
    emu.reset()
    assert emu.configure()["latency"] == 0.0


def chaos_run(emu, api, spec, count=24):
    emu.configure(chaos=spec)
    emu.clear_requests()
    observed = []
    for attempt in range(count):
        response = api.call("GET", api.users_path())
        observed.append((response.status_code, response.headers.get("Retry-After") is not None))
    faults = [e["fault"] for e in emu.requests()]
    emu.configure(chaos=None)
    return observed, faults


def test_chaos_is_deterministic_for_a_seed(emu, api):
    api.token("valid")
    spec = {"seed": 42, "rate": 0.5, "kinds": ["429_seconds", "429_date", "500", "502", "503", "504", "401"]}
    first, first_faults = chaos_run(emu, api, spec)
    second, second_faults = chaos_run(emu, api, spec)
    assert first == second and first_faults == second_faults
    assert 4 <= sum(1 for f in first_faults if f) <= 20
    assert set(first_faults) - {None} <= set(spec["kinds"])
    expected = {"429_seconds": 429, "429_date": 429, "500": 500, "502": 502, "503": 503, "504": 504, "401": 401}
    for (status, has_retry_after), fault in zip(first, first_faults):
        assert status == (expected[fault] if fault else 200)
        assert has_retry_after == (status == 429)
    other, other_faults = chaos_run(emu, api, dict(spec, seed=43))
    assert other_faults != first_faults
    assert chaos_run(emu, api, dict(spec, rate=0))[1] == [None] * 24


def test_chaos_fault_shapes(emu, api):
    api.token("valid")
    emu.configure(chaos={"seed": 1, "rate": 1, "kinds": ["429_seconds"]})
    response = api.call("GET", api.users_path())
    assert response.headers["Retry-After"] == "1" and body(response)["statusCode"] == 429
    emu.configure(chaos={"seed": 1, "rate": 1, "kinds": ["429_date"]})
    response = api.call("GET", api.users_path())
    ahead = email.utils.parsedate_to_datetime(response.headers["Retry-After"]).timestamp() - time.time()
    assert 0 < ahead <= 2
    emu.configure(chaos={"seed": 1, "rate": 1, "kinds": ["401"]})
    response = api.call("GET", api.users_path())
    assert response.status_code == 401 and body(response)["code"] == 401 and "revoked" in body(response)["description"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    emu.configure(chaos={"seed": 1, "rate": 1, "kinds": ["503"], "methods": ["POST"]})
    assert api.call("GET", api.users_path()).status_code == 200
    failed = api.create("chaos@contoso.onmicrosoft.com")
    assert failed.status_code == 503 and body(failed)["code"] == 503
    assert emu.store.find_user(api.customer, upn="chaos@contoso.onmicrosoft.com") is None


def test_chaos_on_entra(emu, api):
    emu.configure(chaos={"seed": 3, "rate": 1, "kinds": ["503"], "services": ["entra"]})
    failed = api.token_response()
    assert failed.status_code == 503 and failed.json()["error"] == "temporarily_unavailable" and not failed.content.startswith(BOM)
    assert [e["fault"] for e in emu.requests()] == ["503"]
    # 401 is a Partner Center fault only: on Entra ID it never fires.
    emu.configure(chaos={"seed": 3, "rate": 1, "kinds": ["401"], "services": ["entra"]})
    token = api.token("valid")
    assert api.call("GET", api.users_path(), token=token).status_code == 200


def test_explicit_faults_come_before_chaos(emu, api):
    api.token("valid")
    emu.add_fault(method="GET", path="/users$", kind="status", status=502)
    emu.configure(chaos={"seed": 5, "rate": 1, "kinds": ["500"], "services": ["partnercenter"]})
    assert statuses(api, 2) == [502, 500]
    assert [e["fault"] for e in pc_log(emu)] == ["status", "500"]


def test_chaos_drop_after_commit_commits_once(emu, api):
    api.token("valid")
    emu.configure(chaos={"seed": 9, "rate": 1, "kinds": ["drop_after_commit"], "methods": ["post"]})
    request_id = str(uuid.uuid4())
    with pytest.raises(requests.ConnectionError):
        api.create("dropped.chaos@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    created = emu.store.find_user(api.customer, upn="dropped.chaos@contoso.onmicrosoft.com")
    assert created is not None
    entry = pc_log(emu)[-1]
    assert (entry["fault"], entry["status"], entry["committed"], entry["resource_id"]) == ("drop_after_commit", 201, True, created["id"])
    emu.configure(chaos=None)
    retried = api.create("dropped.chaos@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert retried.status_code == 201 and body(retried)["id"] == created["id"]


def test_chaos_read_timeout_processes_nothing(emu, api):
    api.token("valid")
    emu.configure(chaos={"seed": 2, "rate": 1, "kinds": ["read_timeout"], "timeout_sleep": 0.4})
    payload = {"userPrincipalName": "slow@contoso.onmicrosoft.com", "displayName": "Slow", "passwordProfile": {"password": STRONG_PASSWORD}}
    with pytest.raises(requests.Timeout):
        api.call("POST", api.users_path(), json_body=payload, timeout=0.1)
    time.sleep(0.45)
    assert emu.store.find_user(api.customer, upn="slow@contoso.onmicrosoft.com") is None
    entry = pc_log(emu)[-1]
    assert (entry["fault"], entry["status"], entry["committed"]) == ("read_timeout", None, False)


@pytest.mark.parametrize("spec", [{"rate": 2}, {"kinds": ["418"]}, {"kinds": []}, {"seed": "x"}, {"services": ["graph"]},
                                  {"timeout_sleep": -1}, {"colour": "red"}, "on"])
def test_invalid_chaos_is_rejected(emu, api, spec):
    with pytest.raises(ValueError):
        emu.configure(chaos=spec)
    assert api.admin("POST", "/config", {"chaos": spec}).status_code == 400
    assert emu.configure()["chaos"] is None


def test_chaos_via_config_and_reset(emu, api):
    api.token("valid")
    config = api.admin("POST", "/config", {"chaos": {"seed": 4, "rate": 1, "kinds": ["504"]}}).json()["chaos"]
    assert config == {"seed": 4, "rate": 1, "kinds": ["504"], "services": ["partnercenter", "entra"], "methods": ["*"], "timeout_sleep": 3}
    assert statuses(api, 1) == [504]
    emu.reset()
    assert emu.configure()["chaos"] is None and api.token_response().status_code == 200


def test_replay_dedup_off_executes_a_repeated_request_id_again(emu, api):
    assert emu.configure()["replay_dedup"] is True
    assert api.admin("POST", "/config", {"replay_dedup": False}).json()["replay_dedup"] is False
    request_id = str(uuid.uuid4())
    first = api.create("again@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    retried = api.create("again@contoso.onmicrosoft.com", headers={"MS-RequestId": request_id})
    assert first.status_code == 201 and retried.status_code == 400
    assert "already exists" in body(retried)["description"]
    assert [(e["replayed"], e["committed"]) for e in pc_log(emu)] == [(False, True), (False, False)]
    assert api.admin("POST", "/config", {"replay_dedup": "no"}).status_code == 400
    emu.reset()
    assert emu.configure()["replay_dedup"] is True
