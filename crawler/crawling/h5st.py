"""JD's ``h5st`` request signature, in its documented eight-part shape.

``time;fingerprint;appid;token;signature;version;ms;env`` — the signature is an HMAC-SHA256 over
``appid:…&body:<sha256(body)>&client:…&clientVersion:…&functionId:…&t:…`` with a key derived from the
token, fingerprint, time and app id.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

VERSION = "4.7"


def fingerprint(seed: str) -> str:
    return hashlib.sha256(f"fp:{seed}".encode()).hexdigest()[:16]


def h5st(params: dict[str, str], body: str, now: datetime, fp: str, token: str, appid: str = "f06cc") -> str:
    stamp = now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"
    ms = str(int(now.timestamp() * 1000))
    key = hashlib.sha256(f"{token}{fp}{stamp}{appid}".encode()).hexdigest()
    signed = "&".join(
        f"{k}:{v}"
        for k, v in sorted(
            {
                **{
                    k: params[k]
                    for k in ("appid", "client", "clientVersion", "functionId", "t")
                    if k in params
                },
                "body": hashlib.sha256(body.encode()).hexdigest(),
            }.items()
        )
    )
    signature = hmac.new(key.encode(), signed.encode(), hashlib.sha256).hexdigest()
    env = hashlib.sha256(f"env:{fp}:{ms}".encode()).hexdigest()
    return ";".join([stamp, fp, appid, token, signature, VERSION, ms, env])
