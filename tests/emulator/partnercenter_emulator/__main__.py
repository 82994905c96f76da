"""Command line: run the emulator until SIGTERM/SIGINT or --max-lifetime seconds.

python -m partnercenter_emulator --state-dir DIR [--seed FILE] [--port 0] [--token-lifetime 3600]
    [--ready-file PATH] [--env-file PATH] [--max-lifetime 1800] [--device-code-auto-approve]
    [--no-replay-dedup] [--rate-limit RPS [--rate-burst N]] [--latency-ms MS] [--clock-offset-days DAYS]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import threading

from .server import Emulator

ENV_NAMES = (("PARTNERCENTER_API_URL", "url"), ("PARTNERCENTER_AUTHORITY_HOST", "url"), ("PARTNERCENTER_TENANT_ID", "tenant_id"),
             ("PARTNERCENTER_CLIENT_ID", "client_id"), ("PARTNERCENTER_CLIENT_SECRET", "client_secret"),
             ("PARTNERCENTER_REFRESH_TOKEN", "refresh_token"), ("PARTNERCENTER_CA_PATH", "ca_path"),
             ("PARTNERCENTER_EMULATOR_URL", "url"), ("PARTNERCENTER_CUSTOMER_ID", "customer_id"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m partnercenter_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, help="directory for the generated CA and server certificate")
    parser.add_argument("--seed", default=None, help="seed JSON (default: seeds/default.json next to the package)")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="access token lifetime in seconds")
    parser.add_argument("--ready-file", default=None, help="written atomically with the settings JSON once listening")
    parser.add_argument("--env-file", default=None, help="written with shell `export NAME=value` lines")
    parser.add_argument("--max-lifetime", type=float, default=1800, help="exit after this many seconds (0 = no limit)")
    parser.add_argument("--device-code-auto-approve", action="store_true", help="device codes are approved at once")
    parser.add_argument("--no-replay-dedup", action="store_true",
                        help="execute every request anew, even when its MS-RequestId was seen")
    parser.add_argument("--rate-limit", type=float, default=None, metavar="RPS",
                        help="limit on Partner Center requests per second (default: off; see --rate-limit-scope)")
    parser.add_argument("--rate-burst", type=float, default=None, metavar="N", help="token bucket size (default: max(1, RPS))")
    parser.add_argument("--rate-limit-scope", choices=("partner", "customer"), default="partner",
                        help="one bucket for the partner (default), or one per customer named by the path")
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                        help="added before every Partner Center and Entra ID response")
    parser.add_argument("--clock-offset-days", type=float, default=0.0, metavar="DAYS",
                        help="move the emulator's now (token issue, expiry, the 90-day refusal of refresh tokens) by DAYS")
    parser.add_argument("--deleted-upn", choices=("renamed", "plain"), default="renamed",
                        help="how a soft-deleted user is listed: renamed (its id before the name, the name freed; the real "
                             "service) or plain (the name kept and taken)")
    parser.add_argument("--restore-licenses", action="store_true",
                        help="a restore gives back the licences the soft delete released (undocumented either way)")
    args = parser.parse_args(argv)
    if args.rate_limit is not None and args.rate_limit < 0:
        parser.error("--rate-limit must be >= 0")
    if args.rate_burst is not None and args.rate_burst < 1:
        parser.error("--rate-burst must be >= 1")
    if args.latency_ms < 0:
        parser.error("--latency-ms must be >= 0")
    return args


def write_atomically(path, text, mode=0o600):
    """Readers never see a half-written file: write a sibling, then rename over."""
    path = os.path.abspath(path)
    temp = "%s.%d.tmp" % (path, os.getpid())
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(temp, path)


def env_text(settings):
    lines = ["export %s=%s" % (name, shlex.quote(str(settings[key] or ""))) for name, key in ENV_NAMES]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *args: stop.set())
    emulator = Emulator(seed_path=args.seed, state_dir=args.state_dir, token_lifetime=args.token_lifetime, port=args.port,
                        device_code_auto_approve=args.device_code_auto_approve, replay_dedup=not args.no_replay_dedup,
                        rate_limit=args.rate_limit, rate_burst=args.rate_burst, latency=args.latency_ms / 1000.0,
                        rate_limit_scope=args.rate_limit_scope, clock_offset=args.clock_offset_days * 86400,
                        deleted_upn=args.deleted_upn, restore_licenses=args.restore_licenses)
    emulator.start()
    try:
        settings = emulator.settings
        if args.env_file:
            write_atomically(args.env_file, env_text(settings))
        if args.ready_file:
            write_atomically(args.ready_file, json.dumps(settings) + "\n")
        sys.stdout.write(json.dumps(settings) + "\n")
        sys.stdout.flush()
        stop.wait(args.max_lifetime if args.max_lifetime > 0 else None)
    finally:
        emulator.stop()
        if args.ready_file:
            # A ready file must never outlive the server it describes.
            try:
                os.unlink(args.ready_file)
            except OSError:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
