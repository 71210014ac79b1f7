"""Signs test access tokens (Ed25519 and RSA keys from ``cryptography``) for the verifier tests."""

from __future__ import annotations

import base64
import json
import time
from typing import Any, Dict, Optional

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

ISSUER = "https://pas.example"
AUDIENCE = "my-client"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_int(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


class Keys:
    """One Ed25519 key (kid ``ed1``) and one RSA-2048 key (kid ``rsa1``), with their JWKS."""

    def __init__(self) -> None:
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ed_pub = self.ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        nums = self.rsa.public_key().public_numbers()
        self.jwks: Dict[str, Any] = {
            "keys": [
                {"kty": "OKP", "crv": "Ed25519", "x": b64u(ed_pub), "kid": "ed1", "use": "sig", "alg": "EdDSA"},
                {"kty": "RSA", "n": b64u_int(nums.n), "e": b64u_int(nums.e), "kid": "rsa1", "use": "sig", "alg": "RS256"},
            ]
        }

    def sign(self, header: Dict[str, Any], claims: Dict[str, Any]) -> str:
        signing_input = (
            b64u(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64u(json.dumps(claims, separators=(",", ":")).encode())
        )
        if header.get("alg") == "RS256":
            sig = self.rsa.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        else:
            sig = self.ed.sign(signing_input.encode())
        return signing_input + "." + b64u(sig)

    def token(
        self,
        claims: Optional[Dict[str, Any]] = None,
        header: Optional[Dict[str, Any]] = None,
        drop: tuple[str, ...] = (),
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        base: Dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "7NT2EH13K2PRVXYNEH52Q93JF8",
            "client_id": AUDIENCE,
            "jti": "jti-1",
            "iat": now,
            "exp": now + 300,
            "sid": "sid-1",
            "scope": "openid profile",
            "sv": 3,
            "cat": "access",
        }
        base.update(claims or {})
        base.update(overrides)
        for name in drop:
            base.pop(name, None)
        hdr: Dict[str, Any] = {"alg": "EdDSA", "typ": "at+jwt", "kid": "ed1"}
        hdr.update(header or {})
        return self.sign(hdr, base)
