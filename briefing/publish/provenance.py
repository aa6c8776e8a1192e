"""A signed C2PA manifest in the MP3, when the user gives a key and its certificate chain.

C2PA (Coalition for Content Provenance and Authenticity) Content Credentials: a manifest,
signed with the publisher's certificate, embedded in the file (for MP3, an ID3 GEOB frame), that
says the audio was created (`c2pa.created`) by briefing as synthetic speech, with the same IPTC
digital source type as the ID3 tags (trainedAlgorithmicMedia for neural voices, algorithmicMedia
for espeak-ng), and binds that claim to the file's bytes: any later change to the audio breaks
it. Anyone can check it (c2patool, contentcredentials.org/verify); it is "Trusted" where the
certificate's authority is in the verifier's trust list, "Valid" otherwise.

The key (PEM, PKCS#8 or SEC1/PKCS#1) and the chain (PEM: the signing certificate first, then its
issuers) are read and tried before anything renders, so a wrong pair is a one-line error at
once, not after the synthesis. c2pa-python is optional: pip install 'briefing[c2pa]'.
No timestamp authority is asked (none can be reached offline): the signature is checked against
the certificate's validity period as of verification.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from briefing import __version__
from briefing.errors import UsageError
from briefing.publish.info import EpisodeInfo

INSTALL_HINT = "pip install 'briefing[c2pa]' (c2pa-python)"
MEDIA_TYPE = "audio/mpeg"


@dataclass(frozen=True)
class Signing:
    """What signs the episodes: a private key and its certificate chain, both PEM files."""

    key: Path
    cert: Path


@dataclass(frozen=True)
class _Loaded:
    alg: str
    key: bytes
    chain: bytes


def _c2pa():
    try:
        import c2pa
    except ImportError:
        raise UsageError(f"--c2pa-key: signing needs the C2PA library: {INSTALL_HINT}") from None
    return c2pa


def _load(signing: Signing) -> _Loaded:
    _c2pa()  # the extra first: without it, cryptography may be missing too (a one-line hint, not a traceback)
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError:
        raise UsageError(f"--c2pa-key: signing needs the cryptography library: {INSTALL_HINT}") from None

    try:
        key_pem, chain_pem = Path(signing.key).read_bytes(), Path(signing.cert).read_bytes()
    except OSError as exc:
        raise UsageError(f"C2PA signing: cannot read {exc.filename}: {exc.strerror}") from None
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"C2PA signing: {signing.key} is not an unencrypted PEM private key ({exc})") from None
    try:
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise UsageError(f"C2PA signing: {signing.cert} is not a PEM certificate chain ({exc})") from None
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if certs[0].public_key().public_bytes(der, public) != key.public_key().public_bytes(der, public):
        raise UsageError(
            f"C2PA signing: the key {signing.key} is not the key of the first certificate in {signing.cert}"
        )
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(key.curve.name)
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        alg = "ed25519"
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = "ps256"  # C2PA allows RSA only with PSS padding
    else:
        alg = None
    if alg is None:
        raise UsageError(
            f"C2PA signing: {signing.key}: C2PA signs with EC P-256/384/521, Ed25519 or RSA (PSS) keys only"
        )
    return _Loaded(alg, key_pem, chain_pem)


def _signer(signing: Signing):
    """The C2PA SDK's signer for `signing` (close it after use), or a one-line UsageError."""
    loaded = _load(signing)
    c2pa = _c2pa()
    try:
        return c2pa.Signer.from_info(c2pa.C2paSignerInfo(loaded.alg, loaded.chain, loaded.key, None))
    except c2pa.C2paError as exc:
        raise UsageError(f"C2PA signing: the key and certificates are refused: {exc}") from None


def check_signing(signing: Signing) -> None:
    """Raise a one-line UsageError now if `signing` cannot sign (before any rendering)."""
    _signer(signing).close()


def manifest(info: EpisodeInfo) -> dict:
    """The manifest: created by briefing, synthetic speech of this kind, in French."""
    agent = {"name": "briefing", "version": __version__}
    action = {"action": "c2pa.created", "softwareAgent": agent}
    if info.synthetic is not None:
        action["digitalSourceType"] = info.synthetic.source_type
        action["description"] = info.synthetic.note
    return {
        "claim_generator_info": [agent],
        "title": info.title,
        "format": MEDIA_TYPE,
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [action]}}],
    }


def sign_mp3(path: Path, info: EpisodeInfo, signing: Signing) -> None:
    """Embed a signed manifest in the MP3 at `path` (after its tags: tagging again would drop it)."""
    c2pa = _c2pa()
    signer = _signer(signing)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.{os.getpid()}.", suffix=".part.mp3", dir=path.parent)
    os.close(fd)
    try:
        try:
            builder = c2pa.Builder(json.dumps(manifest(info)))
            with open(path, "rb") as source, open(tmp, "w+b") as dest:
                builder.sign(signer, MEDIA_TYPE, source, dest)
        finally:
            signer.close()
        os.chmod(tmp, os.stat(path).st_mode & 0o777)
        os.replace(tmp, path)
    except c2pa.C2paError as exc:
        raise UsageError(f"C2PA signing failed: {exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
