#!/usr/bin/env python3
"""Prints an HS256 API token for USER, signed with BETTER_AUTH_SECRET (or
./data/dev-secret, which `make run` creates), valid for 1 hour. For trying
the API with curl; the web frontend issues real ones after sign-in."""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from pathlib import Path


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/dev-token.py USER_ID")
    secret = os.environ.get("BETTER_AUTH_SECRET")
    if not secret:
        path = Path(__file__).resolve().parent.parent / "data" / "dev-secret"
        if not path.exists():
            sys.exit("set BETTER_AUTH_SECRET (or run `make run` once to create data/dev-secret)")
        secret = path.read_text().strip()
    now = int(time.time())
    claims = {"sub": sys.argv[1], "aud": os.environ.get("AUTH_AUDIENCE", "todo-api"), "iat": now, "exp": now + 3600}
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    print(signing_input + "." + b64(signature))


if __name__ == "__main__":
    main()
