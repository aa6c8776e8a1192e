"""The talking book against DAISY Ace, the accessibility checker of EPUB publications (axe-core
in a browser, plus its own checks of the package and its accessibility metadata): the book claims
EPUB Accessibility 1.1 - WCAG 2.2 Level AA, and Ace must find nothing against it, of any impact.

Ace is the npm package @daisy/ace, its Puppeteer runner (`ace-puppeteer`) driving Debian's
Chromium. These tests fail (never skip) when Ace, node or Chromium is missing: `make test` installs
them (apt: chromium, npm; npm: @daisy/ace into .tools/ace/, with no browser download)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT
from typer.testing import CliRunner

from briefing.cli import app

CHROMIUM = Path("/usr/bin/chromium")
ACE = ROOT / ".tools" / "ace" / "node_modules" / "@daisy" / "ace" / "bin" / "ace-puppeteer.js"
EXAMPLES = [ROOT / "examples" / "marche-lyon.md", ROOT / "examples" / "orage-bretagne.txt"]
OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"


def ace_command() -> list[str]:
    node = shutil.which("node")
    missing = [what for what, ok in (("node (apt: npm)", node), (str(CHROMIUM), CHROMIUM.is_file())) if not ok]
    if not ACE.is_file():
        missing.append(f"DAISY Ace ({ACE.relative_to(ROOT)})")
    if missing:
        pytest.fail(f"the EPUB accessibility check needs {', '.join(missing)}: run `make test`", pytrace=False)
    return [node, str(ACE)]


def run_ace(epub: Path, out: Path) -> dict:
    """Ace's JSON report on `epub`, written under `out`; Ace's own files (logs, settings) go there too."""
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=str(CHROMIUM), PUPPETEER_SKIP_DOWNLOAD="1")
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state")):
        env[var] = str(out / sub)
    proc = subprocess.run(
        [*ace_command(), "--silent", "--force", "--outdir", str(out / "report"), str(epub)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    report = out / "report" / "report.json"
    assert proc.returncode == 0 and report.is_file(), f"Ace failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(report.read_text(encoding="utf-8"))


def violations(report: dict) -> list[str]:
    """Every failed assertion: document, rule, impact, what Ace says and where."""
    found = []
    for doc in report.get("assertions", []):
        for test in doc.get("assertions", []):
            result = test["earl:result"]
            if result.get("earl:outcome") == "pass":
                continue
            where = (result.get("earl:pointer") or {}).get("css", [])
            found.append(
                f"{doc['earl:testSubject']['url']}: {test['earl:test']['dct:title']} "
                f"({test['earl:test']['earl:impact']}) {result.get('dct:description', '')} {where}"
            )
    return found


@pytest.fixture(scope="module")
def examples_book(tmp_path_factory) -> Path:
    """The two bundled examples as one briefing with its talking book, spoken by espeak-ng, the
    inputs given by their absolute paths (which the book must not carry)."""
    out = tmp_path_factory.mktemp("ace") / "exemple.mp3"
    result = CliRunner().invoke(
        app,
        ["speak", *map(str, EXAMPLES), "-o", str(out), "--title", "Briefing d'exemple", "--engine", "espeak", "--epub"],
    )
    assert result.exit_code == 0, result.output
    return out.with_suffix(".epub")


@pytest.fixture(scope="module")
def fixture_book(episode_folder) -> Path:
    return episode_folder / "briefing-2026-11-24.epub"  # conftest.py's: a podcast name, a date, headings


@pytest.mark.parametrize("book", ["examples_book", "fixture_book"])
def test_ace_finds_no_violation_of_any_impact(book, request, tmp_path):
    report = run_ace(request.getfixturevalue(book), tmp_path)
    assert report["earl:assertedBy"]["doap:name"] == "DAISY Ace"
    assert violations(report) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    # The accessibility metadata Ace looks for, all present but a third party's credential and report.
    metadata = report["a11y-metadata"]
    assert set(metadata["missing"]) <= {"a11y:certifierCredential", "a11y:certifierReport"}, metadata
    assert metadata["empty"] == []
    assert {"dcterms:conformsTo", "a11y:certifiedBy", "schema:accessibilitySummary"} <= set(metadata["present"])


def test_the_book_claims_wcag_2_2_aa_and_names_no_local_path(examples_book):
    with zipfile.ZipFile(examples_book) as z:
        files = {name: z.read(name) for name in z.namelist()}
    meta = ET.fromstring(files["EPUB/package.opf"]).find(f"{OPF}metadata")
    props: dict[str, list[str]] = {}
    for m in meta.iter(f"{OPF}meta"):
        props.setdefault(m.get("property"), []).append(m.text)
    assert props["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert len(props["a11y:certifiedBy"]) == 1 and props["a11y:certifiedBy"][0].startswith("briefing")
    # Local files in, no dc:source out; and no path of this machine anywhere in the book.
    assert meta.findall(f"{DC}source") == []
    for name, data in files.items():
        if name.endswith((".opf", ".xhtml", ".smil", ".css", ".xml")):
            text = data.decode("utf-8")
            assert str(ROOT) not in text and str(examples_book.parent) not in text, name
            assert "examples/" not in text and "marche-lyon.md" not in text, name
