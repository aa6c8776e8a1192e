"""A signed C2PA manifest in the MP3 (`--c2pa-key`/`--c2pa-cert`), with a throwaway certificate
authority and signing certificate made here; read back and validated by the C2PA SDK itself."""

import datetime as dt
import json
import os
import xml.etree.ElementTree as ET

import pytest

c2pa = (
    pytest.importorskip("c2pa", reason="the c2pa extra is part of `make test`")
    if os.environ.get("BRIEFING_NO_C2PA")
    else __import__("c2pa")
)
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402
from helpers import assert_one_line_error, no_episode_files  # noqa: E402
from mutagen.id3 import ID3  # noqa: E402

from briefing.cli import app  # noqa: E402

ALGORITHMIC = "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"


def _name(common: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Essais")]
    )


def _usage(sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """A CA and a signing certificate it issued (EC P-256, emailProtection as C2PA accepts),
    valid for a day either side of now; and a second key that matches neither."""
    folder = tmp_path_factory.mktemp("c2pa-keys")
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key, other = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("CA des essais"))
        .issuer_name(_name("CA des essais"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Rédaction des essais"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "chain.pem").write_bytes(leaf.public_bytes(pem) + ca.public_bytes(pem))
    for name, k in (("key.pem", key), ("other.pem", other)):
        (folder / name).write_bytes(
            k.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
    return folder


def read_manifest(path):
    with open(path, "rb") as f:
        reader = c2pa.Reader("audio/mpeg", f)
        store = json.loads(reader.json())
        return reader.get_validation_state(), store["manifests"][store["active_manifest"]]


@pytest.fixture(scope="module")
def signed(keys, tmp_path_factory):
    from helpers import ARTICLE
    from typer.testing import CliRunner

    folder = tmp_path_factory.mktemp("signed")
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    out = folder / "ep.mp3"
    args = ["speak", str(folder / "article.txt"), "-o", str(out), "--engine", "espeak", "--no-cache", "--epub"]
    args += ["--c2pa-key", str(keys / "key.pem"), "--c2pa-cert", str(keys / "chain.pem")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def test_the_mp3_carries_a_valid_signed_manifest_that_says_synthetic_speech(signed):
    state, manifest = read_manifest(signed)
    # Valid: signature and hashes check; not "Trusted", as the throwaway CA is in no trust list.
    assert state == "Valid"
    assert manifest["title"] == str(ID3(signed)["TIT2"])
    assert manifest["signature_info"]["issuer"] == "Essais"
    (actions,) = [a["data"]["actions"] for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    assert actions[0]["action"] == "c2pa.created"
    assert actions[0]["digitalSourceType"] == ALGORITHMIC == str(ID3(signed)["TXXX:digital_source_type"])
    assert actions[0]["softwareAgent"]["name"] == "briefing"


def test_changing_the_audio_breaks_the_signature(signed, tmp_path):
    data = bytearray(signed.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte of audio, well past the tags
    tampered = tmp_path / "tampered.mp3"
    tampered.write_bytes(bytes(data))
    state, _ = read_manifest(tampered)
    assert state == "Invalid"


def test_the_signed_episode_is_still_an_ordinary_podcast_mp3(signed, runner, tmp_path):
    tags = ID3(signed)
    assert str(tags["TXXX:ai_disclosure"]).startswith("Épisode lu par")
    assert any(key.startswith("GEOB") for key in tags)  # where C2PA keeps its manifest in an MP3
    result = runner.invoke(app, ["feed", str(signed.parent), "--base-url", "https://exemple.fr/b/"])
    assert result.exit_code == 0, result.output
    enclosure = ET.parse(signed.parent / "feed.xml").getroot().find("channel/item/enclosure")
    assert int(enclosure.get("length")) == signed.stat().st_size
    # The talking book holds the signed MP3, byte for byte.
    import zipfile

    with zipfile.ZipFile(signed.with_suffix(".epub")) as book:
        inside = [n for n in book.namelist() if n.endswith(".mp3")]
        assert book.read(inside[0]) == signed.read_bytes()


@pytest.mark.parametrize(
    "key, cert, fragment",
    [
        ("other.pem", "chain.pem", "is not the key of the first certificate"),
        ("chain.pem", "chain.pem", "is not an unencrypted PEM private key"),
        ("key.pem", "key.pem", "is not a PEM certificate chain"),
        ("key.pem", None, "c2pa_key and c2pa_cert go together"),
    ],
)
def test_a_wrong_key_or_chain_is_one_line_before_anything_renders(runner, article, keys, tmp_path, key, cert, fragment):
    args = ["speak", str(article), "-o", str(tmp_path / "out" / "ep.mp3"), "--engine", "espeak", "--no-cache"]
    args += ["--c2pa-key", str(keys / key)] + (["--c2pa-cert", str(keys / cert)] if cert else [])
    assert_one_line_error(runner.invoke(app, args), 2, fragment)
    assert no_episode_files(tmp_path)
