"""The sandbox's JD ``h5st`` and PDD ``anti_content`` are the formulas its module documents, computed here
again from that text alone, and its verifiers refuse what is not exactly that."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from crawler.sandbox.signing import (
    SigningKeys,
    make_anti_content,
    make_h5st,
    verify_anti_content,
    verify_h5st,
)

MS = 1763661600123  # 2025-11-20 18:00:00.123 UTC
FP = "abcdefghijklmnop"
APP_ID = "f06cc"
BODY = json.dumps({"keyword": "口罩", "page": 1}, ensure_ascii=False)
REQUEST = {"appid": "search-pc-java", "functionId": "pc_search_searchWare", "client": "pc", "t": str(MS)}


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def documented_h5st(salt: str, epoch: int, params: dict[str, str], body: str) -> str:
    """``stamp;fp;appId;tk;sig;5.1;ms;env;sig2;extra`` as the module docstring spells it out."""
    stamp = "20251120180000123"  # MS as UTC yyyyMMddHHmmssSSS, written out by hand
    tk = "tk05w" + format(epoch, "04x") + sha256_hex(f"{salt}:{FP}:{APP_ID}")[:32]
    signed = {**params, "body": sha256_hex(body)}
    message = "&".join(f"{k}:{signed[k]}" for k in sorted(signed))
    key = sha256_hex(tk + FP + stamp + APP_ID + salt)
    sig = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
    env = base64.b64encode(json.dumps({"sua": "sandbox", "pp": {}, "v": "5.1"}).encode()).decode()
    sig2 = sha256_hex(f"{sig};{FP};{MS};{salt}")[:32]
    return ";".join([stamp, FP, APP_ID, tk, sig, "5.1", str(MS), env, sig2, sha256_hex(env)[:16]])


def base36(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + out
        if number == 0:
            return out


def test_h5st_is_the_documented_formula_and_verifies() -> None:
    keys = SigningKeys(seed=7)
    keys.rotate()
    value = make_h5st(keys, {**REQUEST, "body": sha256_hex(BODY)}, FP, APP_ID, MS)
    assert value == documented_h5st(keys.salt("jd"), 1, REQUEST, BODY)
    assert value.split(";")[3].startswith("tk05w0001")
    assert verify_h5st(keys, value, {**REQUEST, "body": BODY}, BODY) is None


def test_h5st_refused_when_anything_signed_differs() -> None:
    keys = SigningKeys(seed=7)
    value = make_h5st(keys, {**REQUEST, "body": sha256_hex(BODY)}, FP, APP_ID, MS)
    parts = value.split(";")
    other_body = BODY.replace("口罩", "毛巾")
    assert verify_h5st(keys, value, {**REQUEST, "body": other_body}, other_body) == "h5st signature is wrong"
    assert verify_h5st(keys, value, {**REQUEST, "client": "android"}, BODY) == "h5st signature is wrong"
    assert verify_h5st(keys, value, {**REQUEST, "t": str(MS + 1)}, BODY) == "h5st time differs from t"
    forged = ";".join([*parts[:4], "0" * 64, *parts[5:]])
    assert verify_h5st(keys, forged, REQUEST, BODY) == "h5st signature is wrong"
    assert verify_h5st(keys, ";".join(parts[:8]), REQUEST, BODY) == "h5st has 8 parts, not 10"
    keys.rotate()
    assert verify_h5st(keys, value, REQUEST, BODY) is None, "the previous script version still signs"
    keys.rotate()
    assert verify_h5st(keys, value, REQUEST, BODY) == "h5st token is not current"


def test_anti_content_is_the_documented_formula() -> None:
    keys = SigningKeys(seed=7)
    keys.rotate()
    nonce = "0123456789abcdef"
    value = make_anti_content(keys, MS, nonce)
    after = "0001" + nonce + base36(MS)
    mac = hmac.new(keys.salt("pdd").encode(), after.encode(), hashlib.sha256).hexdigest()[:24]
    assert value == "0aq" + after + mac
    assert verify_anti_content(keys, value) is None
    assert (
        verify_anti_content(keys, value[:-1] + ("0" if value[-1] != "0" else "1")) == "anti_content is forged"
    )
    keys.rotate()
    keys.rotate()
    assert verify_anti_content(keys, value) == "anti_content key is not current"
