"""Fixtures for the emulator's own tests: one HTTPS emulator per test session, reset before each test."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from partnercenter_emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from emulator_client import Api  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    emu = Emulator(state_dir=str(tmp_path_factory.mktemp("pcemu")))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def emu(emulator, monkeypatch):
    """The session emulator, back at its seed; requests and msal trust its CA for this test only."""
    emulator.reset()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", emulator.ca_path)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    yield emulator
    emulator.clear_faults()
    emulator.configure(token_lifetime=3600, device_code_auto_approve=False)


@pytest.fixture
def api(emu):
    return Api(emu)
