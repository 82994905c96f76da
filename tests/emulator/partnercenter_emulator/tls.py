"""A throwaway CA and a server certificate for 127.0.0.1 and localhost, written into a state dir."""

from __future__ import annotations

import os

import trustme


def write_certificates(state_dir):
    """Write ca.pem, server-cert.pem (chain) and server-key.pem (0600); return their paths."""
    ca = trustme.CA(organization_name="Partner Center emulator")
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"ca": os.path.join(state_dir, "ca.pem"),
             "server_cert": os.path.join(state_dir, "server-cert.pem"),
             "server_key": os.path.join(state_dir, "server-key.pem")}
    ca.cert_pem.write_to_path(paths["ca"])
    with open(paths["server_cert"], "wb") as handle:
        for blob in server.cert_chain_pems:
            handle.write(blob.bytes())
    descriptor = os.open(paths["server_key"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(server.private_key_pem.bytes())
    return paths
