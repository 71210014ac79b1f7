"""ops/s of pas vs PyJWT, joserfc and cryptography, side by side (not a test).

EdDSA and RS256 access-token verification with the key reused (signature, issuer, audience and
expiry checked by every library), and AES-256-GCM seal/open of a 64-byte refresh token in pas's
stored form (base64 of nonce || ciphertext || tag, a fresh nonce per seal). Run through
bench/python-bench.sh, which installs everything into its own virtualenv.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import warnings
from typing import Any, Callable, Dict, List, Tuple

import jwt as pyjwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwt as jose_jwt
from joserfc.jwk import OKPKey, RSAKey
from joserfc.jwt import JWTClaimsRegistry

import pas

ISS, AUD = "https://pas.example", "my-client"
warnings.filterwarnings("ignore", message="EdDSA is deprecated")  # joserfc; EdDSA is what PAS signs with
SECONDS = float(os.environ.get("BENCH_SECONDS", "1.0"))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_int(n: int) -> str:
    return b64u(n.to_bytes((n.bit_length() + 7) // 8, "big"))


def ops_per_sec(fn: Callable[[], Any]) -> float:
    for _ in range(200):
        fn()
    n, start = 0, time.perf_counter()
    deadline = start + SECONDS
    while True:
        for _ in range(100):
            fn()
        n += 100
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def make_token(alg: str, kid: str, sign: Callable[[bytes], bytes]) -> str:
    now = int(time.time())
    header = {"alg": alg, "typ": "at+jwt", "kid": kid}
    claims = {"iss": ISS, "aud": AUD, "sub": "7NT2EH13K2PRVXYNEH52Q93JF8", "client_id": AUD, "jti": "j1",
              "iat": now, "exp": now + 3600, "sid": "s1", "scope": "openid profile", "sv": 3}
    signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
    return signing_input + "." + b64u(sign(signing_input.encode()))


def main() -> None:
    ed = ed25519.Ed25519PrivateKey.generate()
    rk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ed_pub_raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    nums = rk.public_key().public_numbers()
    ed_jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64u(ed_pub_raw), "kid": "ed1", "use": "sig", "alg": "EdDSA"}
    rsa_jwk = {"kty": "RSA", "n": b64u_int(nums.n), "e": b64u_int(nums.e), "kid": "rsa1", "use": "sig", "alg": "RS256"}
    ed_token = make_token("EdDSA", "ed1", ed.sign)
    rsa_token = make_token("RS256", "rsa1", lambda m: rk.sign(m, padding.PKCS1v15(), hashes.SHA256()))

    verifier = pas.Verifier(ISS, AUD, jwks={"keys": [ed_jwk, rsa_jwk]}, algorithms=["EdDSA", "RS256"])
    ed_pub, rsa_pub = ed.public_key(), rk.public_key()
    jose_ed, jose_rsa = OKPKey.import_key(ed_jwk), RSAKey.import_key(rsa_jwk)
    registry = JWTClaimsRegistry(iss={"essential": True, "value": ISS}, aud={"essential": True, "value": AUD})

    def pyjwt_verify(token: str, key: Any, alg: str) -> Callable[[], Any]:
        return lambda: pyjwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS)

    def jose_verify(token: str, key: Any, alg: str) -> Callable[[], Any]:
        def run() -> Any:
            t = jose_jwt.decode(token, key, algorithms=[alg])
            registry.validate(t.claims)
            return t

        return run

    # Sanity: every library accepts the tokens.
    for fn in (pyjwt_verify(ed_token, ed_pub, "EdDSA"), jose_verify(ed_token, jose_ed, "EdDSA"),
               pyjwt_verify(rsa_token, rsa_pub, "RS256"), jose_verify(rsa_token, jose_rsa, "RS256")):
        fn()
    assert verifier.verify(ed_token).sv == 3 and verifier.verify(rsa_token).algorithm == "RS256"

    key_b64 = pas.TokenCipher.generate_key()
    cipher = pas.TokenCipher(key_b64)
    aes = AESGCM(base64.b64decode(key_b64))
    plaintext = "rt-" + "x" * 61  # 64 bytes
    sealed = cipher.encrypt(plaintext)

    def crypto_seal() -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + aes.encrypt(nonce, plaintext.encode(), None)).decode()

    def crypto_open() -> str:
        raw = base64.b64decode(sealed)
        return aes.decrypt(raw[:12], raw[12:], None).decode()

    assert crypto_open() == plaintext and cipher.decrypt(crypto_seal()) == plaintext

    rows: List[Tuple[str, Dict[str, float]]] = [
        ("EdDSA verify", {
            "pas": ops_per_sec(lambda: verifier.verify(ed_token)),
            "PyJWT": ops_per_sec(pyjwt_verify(ed_token, ed_pub, "EdDSA")),
            "joserfc": ops_per_sec(jose_verify(ed_token, jose_ed, "EdDSA")),
        }),
        ("RS256 verify", {
            "pas": ops_per_sec(lambda: verifier.verify(rsa_token)),
            "PyJWT": ops_per_sec(pyjwt_verify(rsa_token, rsa_pub, "RS256")),
            "joserfc": ops_per_sec(jose_verify(rsa_token, jose_rsa, "RS256")),
        }),
        ("AES-256-GCM seal (64 B)", {
            "pas": ops_per_sec(lambda: cipher.encrypt(plaintext)),
            "cryptography": ops_per_sec(crypto_seal),
        }),
        ("AES-256-GCM open (64 B)", {
            "pas": ops_per_sec(lambda: cipher.decrypt(sealed)),
            "cryptography": ops_per_sec(crypto_open),
        }),
    ]
    print(f"python {sys.version.split()[0]}, pas {pas.__version__}, PyJWT {pyjwt.__version__}, "
          f"{SECONDS:.1f}s per cell, ops/s (higher is better)")
    print(f"{'operation':<26}{'pas':>12}{'PyJWT':>12}{'joserfc':>12}{'cryptography':>14}   ratios")
    for name, cells in rows:
        line = f"{name:<26}"
        for lib, width in (("pas", 12), ("PyJWT", 12), ("joserfc", 12), ("cryptography", 14)):
            line += f"{cells[lib]:>{width},.0f}" if lib in cells else " " * (width - 1) + "-"
        ratios = ", ".join(f"pas/{lib} {cells['pas'] / v:.2f}x" for lib, v in cells.items() if lib != "pas")
        print(f"{line}   {ratios}")
    ed_ratio = rows[0][1]["pas"] / rows[0][1]["PyJWT"]
    seal_ratio = rows[2][1]["pas"] / rows[2][1]["cryptography"]
    open_ratio = rows[3][1]["pas"] / rows[3][1]["cryptography"]
    print(f"goals: EdDSA >= 3x PyJWT: {ed_ratio:.2f}x {'met' if ed_ratio >= 3 else 'NOT met'}; "
          f"seal/open >= 2x cryptography: {seal_ratio:.2f}x / {open_ratio:.2f}x "
          f"{'met' if min(seal_ratio, open_ratio) >= 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
