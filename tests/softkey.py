"""A software passkey for server-side tests: answers WebAuthn options as a browser with a platform
authenticator would, in the Level 3 JSON forms (credential.toJSON()).

Written here rather than taken from PyPI: `soft-webauthn` (0.1.x) never sets the user-verified or
backup flags, keeps a fixed counter and pulls in fido2 0.9 with six, so it cannot stand for the
authenticators this server asks for. This one is ES256 over `cryptography` and `cbor2` (both pinned
with webauthn), and lets a test bend what a real authenticator would not: origin, RP ID, counter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftPasskey:
    """One discoverable ES256 credential, created by `create` and used by `get`."""

    origin: str = "http://localhost:8000"
    verify_user: bool = True
    synced: bool = False
    sign_count: int = 0
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(32))
    rp_id: str | None = None
    user_handle: str | None = None

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def create(self, options: str, *, origin: str | None = None, rp_id: str | None = None) -> str:
        """navigator.credentials.create(): a new credential for the options' RP and user."""
        o = json.loads(options)
        if any(c["id"] == self.id for c in o.get("excludeCredentials", [])):
            raise ValueError("InvalidStateError: this authenticator holds an excluded credential")
        assert {"type": "public-key", "alg": -7} in o["pubKeyCredParams"]
        self.rp_id, self.user_handle = o["rp"]["id"], o["user"]["id"]
        client_data = self._client_data("webauthn.create", o["challenge"], origin)
        public = self.key.public_key().public_numbers()
        cose = {1: 2, 3: -7, -1: 1, -2: public.x.to_bytes(32, "big"), -3: public.y.to_bytes(32, "big")}
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cbor2.dumps(cose)
        auth_data = self._auth_data(rp_id or self.rp_id, AT, self.sign_count) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        response = {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)}
        return self._credential({**response, "transports": ["internal"]})

    def get(
        self,
        options: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        count: int | None = None,
    ) -> str:
        """navigator.credentials.get(): an assertion over the options' challenge; the counter goes up by one."""
        o = json.loads(options)
        allowed = [c["id"] for c in o.get("allowCredentials", [])]
        if allowed and self.id not in allowed:
            raise ValueError("NotAllowedError: no allowed credential here")
        self.sign_count = self.sign_count + 1 if count is None else count
        client_data = self._client_data("webauthn.get", o["challenge"], origin)
        auth_data = self._auth_data(rp_id or o.get("rpId") or self.rp_id, 0, self.sign_count)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return self._credential(
            {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": self.user_handle,
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(data).encode()

    def _auth_data(self, rp_id: str | None, extra: int, count: int) -> bytes:
        assert rp_id is not None
        flags = UP | extra | (UV if self.verify_user else 0) | ((BE | BS) if self.synced else 0)
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)

    def _credential(self, response: dict[str, Any]) -> str:
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )
