"""The documentation: the site builds with `mkdocs build --strict` (a broken link, a missing anchor
or a page left out of the nav fails), the command-line page is generated without importing torch,
and the README stays a short page whose links all lead somewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_MAX_LINES = 250


def test_the_site_builds_strict(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's notice about MkDocs 2, not a warning of ours
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"mkdocs build --strict failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}"
    page = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert "cli-reference" not in page  # the hook replaced its marker
    for command in ("speak", "script", "voices", "batch", "publish", "feed", "serve"):
        assert f'id="briefing-{command}"' in page, command


def test_the_cli_reference_is_generated_without_torch():
    code = (
        "import sys; sys.path.insert(0, 'docs/hooks'); import cli_reference; "
        "text = cli_reference.render(); "
        "assert 'torch' not in sys.modules, 'rendering the CLI reference imported torch'; "
        "print(text)"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "| `--engine` |" in run.stdout and "| `--base-url` |" in run.stdout


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; at most {README_MAX_LINES}"


def test_every_relative_link_of_the_readme_leads_to_a_file():
    text = README.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold no links
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r"^\[[^\]]+\]:\s*(\S+)", text, flags=re.M)
    relative = [t for t in targets if not urlsplit(t).scheme and not t.startswith(("#", "/", "mailto:"))]
    assert relative, "the README links to no page of the documentation"
    missing = [t for t in relative if not (ROOT / unquote(urlsplit(t).path)).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"
