import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED_SAMPLES = ROOT.parent / "shared" / "samples"

# Written for these tests: a title, a sub-heading, a speech quote with an attribution after it,
# a second speaker, a scare-quoted term and a pronoun attribution.
ARTICLE = """\
Le conseil municipal adopte le budget

Le conseil municipal de Nantes a adopté lundi soir son budget pour l'année prochaine, après quatre heures de débat.

« Nous investissons dans les écoles avant tout le reste, parce que c'est là que tout commence », a déclaré la maire, Sophie Marchand.

Une opposition divisée

L'opposition a dénoncé un budget « cosmétique ». « Les impôts locaux augmentent encore et personne n'ose le dire aux habitants », a répliqué Paul Girard. « Nous voterons contre », a-t-il ajouté.
"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "budget.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _system_tools():
    """The tests use the real engines and encoders; say clearly when one is missing."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        pytest.exit(f"missing system tools: {', '.join(missing)}; run `make test` to install them", returncode=2)
