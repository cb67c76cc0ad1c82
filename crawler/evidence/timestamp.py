"""Trusted time: RFC 3161 timestamp requests over HTTP and the checks a token must pass.

A token proves that the timestamp authority (TSA) saw the manifest's SHA-256 at ``gen_time``. The
checks here: the token is a CMS SignedData holding a TSTInfo, the imprint is the manifest's SHA-256,
the signed attributes carry the TSTInfo's digest, and the signature verifies with the certificate the
token carries. Whether that certificate belongs to a trusted TSA is checked against the TSA's own
certificate chain, e.g. ``openssl ts -verify … -CAfile tsa.pem`` (the export package explains how).
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

REQUEST_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
HASHES = {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha1": hashes.SHA1}


class TimestampError(ValueError):
    """A timestamp could not be obtained, or a token failed a check (the message says which)."""


@dataclass(frozen=True)
class TimestampInfo:
    gen_time: datetime
    serial_number: int
    policy: str
    tsa_subject: str
    digest_hex: str
    token: bytes

    @property
    def token_sha256(self) -> str:
        return hashlib.sha256(self.token).hexdigest()

    @property
    def certificates(self) -> list[bytes]:
        signed = cms.ContentInfo.load(self.token)["content"]
        return [c.chosen.dump() for c in signed["certificates"] or [] if c.name == "certificate"]


def build_request(digest: bytes, nonce: int) -> bytes:
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()


def request_timestamp(url: str, digest_hex: str, timeout: float = 15.0) -> TimestampInfo:
    """Ask the TSA at ``url`` to timestamp the SHA-256 ``digest_hex`` and check what comes back."""
    digest = bytes.fromhex(digest_hex)
    nonce = secrets.randbits(63)
    request = urllib.request.Request(  # noqa: S310 - the TSA URL is configured by the operator
        url, data=build_request(digest, nonce), headers={"Content-Type": REQUEST_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except OSError as exc:
        raise TimestampError(f"timestamp authority {url} did not answer: {exc}") from exc
    try:
        reply = tsp.TimeStampResp.load(body)
        status = reply["status"]["status"].native
    except (ValueError, TypeError) as exc:
        raise TimestampError(
            f"timestamp authority {url} sent something that is not an RFC 3161 reply"
        ) from exc
    if status not in ("granted", "granted_with_mods"):
        text = reply["status"]["status_string"].native
        raise TimestampError(f"timestamp authority {url} refused: {status} {text or ''}".strip())
    token = reply["time_stamp_token"].dump()
    info = check_token(token, digest_hex)
    tst = _tst_info(cms.ContentInfo.load(token))
    if tst["nonce"].native != nonce:
        raise TimestampError("the timestamp token answers another request (nonce differs)")
    return info


def _tst_info(content_info: cms.ContentInfo) -> tsp.TSTInfo:
    if content_info["content_type"].native != "signed_data":
        raise TimestampError("token is not CMS SignedData")
    encap = content_info["content"]["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise TimestampError("token does not hold a TSTInfo")
    return encap["content"].parsed


def check_token(token: bytes, digest_hex: str) -> TimestampInfo:
    """Check a token against the SHA-256 it should timestamp; raise :class:`TimestampError` naming the fault."""
    try:
        content_info = cms.ContentInfo.load(token)
        signed = content_info["content"]
        tst = _tst_info(content_info)
        imprint = tst["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        tst_bytes = bytes(signed["encap_content_info"]["content"])
        signer = signed["signer_infos"][0]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise TimestampError(f"token cannot be read: {exc}") from exc
    if algorithm != "sha256" or hashed.hex() != digest_hex:
        raise TimestampError(f"token timestamps {algorithm}:{hashed.hex()}, not sha256:{digest_hex}")
    certificate = _signer_certificate(signed, signer)
    _check_signature(signer, tst_bytes, certificate)
    return TimestampInfo(
        gen_time=tst["gen_time"].native,
        serial_number=int(tst["serial_number"].native),
        policy=str(tst["policy"].native),
        tsa_subject=certificate.subject.rfc4514_string(),
        digest_hex=digest_hex,
        token=token,
    )


def _signer_certificate(signed: cms.SignedData, signer: cms.SignerInfo) -> x509.Certificate:
    sid = signer["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if (
                cert.serial_number == sid.chosen["serial_number"].native
                and cert.issuer == sid.chosen["issuer"]
            ):
                return x509.load_der_x509_certificate(cert.dump())
        elif cert.key_identifier == sid.chosen.native:
            return x509.load_der_x509_certificate(cert.dump())
    raise TimestampError("token does not carry the certificate that signed it")


def _check_signature(signer: cms.SignerInfo, tst_bytes: bytes, certificate: x509.Certificate) -> None:
    digest_name = signer["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        raise TimestampError(f"token uses an unsupported digest {digest_name}")
    hash_cls = HASHES[digest_name]
    attrs = signer["signed_attrs"]
    if not attrs:
        raise TimestampError("token has no signed attributes")
    values = {a["type"].native: a["values"][0] for a in attrs}
    if values.get("content_type") is None or values["content_type"].native != "tst_info":
        raise TimestampError("token's signed content type is not TSTInfo")
    digest = hashes.Hash(hash_cls())
    digest.update(tst_bytes)
    if values.get("message_digest") is None or values["message_digest"].native != digest.finalize():
        raise TimestampError("token's signed digest does not match its TSTInfo (token altered)")
    signed_bytes = b"\x31" + attrs.dump()[1:]
    signature = signer["signature"].native
    key = certificate.public_key()
    scheme = signer["signature_algorithm"].signature_algo
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad = (
                padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=padding.PSS.AUTO)
                if scheme == "rsassa_pss"
                else padding.PKCS1v15()
            )
            key.verify(signature, signed_bytes, pad, hash_cls())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(hash_cls()))
        else:
            raise TimestampError(f"token signed with an unsupported key type {type(key).__name__}")
    except InvalidSignature as exc:
        raise TimestampError(
            "token's signature does not verify (token altered or wrong certificate)"
        ) from exc
