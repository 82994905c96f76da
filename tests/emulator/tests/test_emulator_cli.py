"""`python -m partnercenter_emulator`: ready and env files, signals, --max-lifetime."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time

import requests

EMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start(tmp_path, *extra):
    env = dict(os.environ, PYTHONPATH=EMULATOR_DIR)
    command = [sys.executable, "-m", "partnercenter_emulator", "--state-dir", str(tmp_path / "state"),
               "--ready-file", str(tmp_path / "ready.json"), "--env-file", str(tmp_path / "env.sh")] + list(extra)
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)


def wait_ready(process, path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("the emulator did not get ready")


def test_cli_writes_files_and_exits_after_max_lifetime(tmp_path, monkeypatch):
    process = start(tmp_path, "--max-lifetime", "2", "--token-lifetime", "60")
    try:
        settings = wait_ready(process, tmp_path / "ready.json")
        assert settings["url"].startswith("https://127.0.0.1:")
        env = dict(line[len("export "):].split("=", 1) for line in (tmp_path / "env.sh").read_text().splitlines())
        env = dict((k, shlex.split(v)[0] if v else "") for k, v in env.items())
        assert env["PARTNERCENTER_API_URL"] == env["PARTNERCENTER_AUTHORITY_HOST"] == env["PARTNERCENTER_EMULATOR_URL"] == settings["url"]
        assert env["PARTNERCENTER_CLIENT_SECRET"] == settings["client_secret"]
        assert env["PARTNERCENTER_REFRESH_TOKEN"] == settings["refresh_token"]
        assert env["PARTNERCENTER_CA_PATH"] == settings["ca_path"] == str(tmp_path / "state" / "ca.pem")
        assert (env["PARTNERCENTER_TENANT_ID"], env["PARTNERCENTER_CLIENT_ID"], env["PARTNERCENTER_CUSTOMER_ID"]) == (
            settings["tenant_id"], settings["client_id"], settings["customer_id"])
        assert (tmp_path / "ready.json").stat().st_mode & 0o077 == 0
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", settings["ca_path"])
        assert requests.get(settings["url"] + "/_emulator/health", timeout=5).json()["status"] == "ok"
        token = requests.post("%s/%s/oauth2/v2.0/token" % (settings["url"], settings["tenant_id"]), timeout=5, data={
            "grant_type": "refresh_token", "client_id": settings["client_id"], "client_secret": settings["client_secret"],
            "refresh_token": settings["refresh_token"], "scope": settings["scope"]}).json()
        assert token["expires_in"] == 60
        out = process.communicate(timeout=20)[0]
        assert process.returncode == 0
        assert json.loads(out.splitlines()[0]) == settings
        assert not (tmp_path / "ready.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_stops_on_sigterm(tmp_path):
    process = start(tmp_path, "--max-lifetime", "60", "--device-code-auto-approve")
    try:
        wait_ready(process, tmp_path / "ready.json")
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
        assert process.returncode == 0
        assert not (tmp_path / "ready.json").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_rate_limit_latency_and_replay_flags(tmp_path, monkeypatch):
    process = start(tmp_path, "--max-lifetime", "30", "--rate-limit", "0.5", "--rate-burst", "2", "--latency-ms", "150",
                    "--no-replay-dedup", "--deleted-upn", "plain", "--restore-licenses")
    try:
        settings = wait_ready(process, tmp_path / "ready.json")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", settings["ca_path"])
        config = requests.get(settings["url"] + "/_emulator/config", timeout=5).json()
        assert (config["rate_limit"], config["rate_burst"], config["latency"], config["replay_dedup"]) == (0.5, 2.0, 0.15, False)
        assert (config["deleted_upn"], config["restore_licenses"]) == ("plain", True)
        started = time.time()
        statuses = [requests.get(settings["url"] + "/v1/customers", timeout=5).status_code for attempt in range(3)]
        assert statuses == [401, 401, 429]   # a token each for two, then the bucket is empty
        assert time.time() - started >= 0.45
        # reset keeps what the command line asked for
        requests.post(settings["url"] + "/_emulator/reset", timeout=5)
        assert requests.get(settings["url"] + "/_emulator/config", timeout=5).json() == config
    finally:
        process.terminate()
        process.communicate(timeout=20)


def test_cli_rejects_bad_limits(tmp_path):
    for flags in (["--rate-limit", "-1"], ["--rate-burst", "0"], ["--latency-ms", "-5"]):
        process = start(tmp_path, *flags)
        process.communicate(timeout=20)
        assert process.returncode == 2


def test_cli_clock_offset_days_moves_the_emulators_now(tmp_path, monkeypatch):
    process = start(tmp_path, "--max-lifetime", "30", "--clock-offset-days", "100")
    try:
        settings = wait_ready(process, tmp_path / "ready.json")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", settings["ca_path"])
        assert requests.get(settings["url"] + "/_emulator/config", timeout=5).json()["clock_offset"] == 100 * 86400
        answer = requests.post("%s/%s/oauth2/v2.0/token" % (settings["url"], settings["tenant_id"]), timeout=5, data={
            "grant_type": "refresh_token", "client_id": settings["client_id"], "client_secret": settings["client_secret"],
            "refresh_token": settings["refresh_token"], "scope": settings["scope"]}).json()
        # The seed's tokens are issued at day 0: on day 100 they are past their 90 days.
        assert answer["error_codes"] == [700082], answer
    finally:
        process.terminate()
        process.wait(20)
