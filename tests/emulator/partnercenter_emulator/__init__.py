"""Partner Center customer-user API and Entra ID token endpoint emulator (HTTPS on loopback)."""

from .server import Emulator

__all__ = ["Emulator"]
