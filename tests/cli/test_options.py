"""One options type (briefing/options.py), built the same way from the command line and from a
batch manifest: the same defaults, the same checks, the same one-line errors; and every
setting of a manifest episode, its device included, reaches the render."""

import datetime as dt
from pathlib import Path

import pytest
from helpers import ROOT, assert_one_line_error, no_episode_files

from briefing import pipeline
from briefing.cli import BATCH_OPTIONS, SCRIPT_OPTIONS, app
from briefing.cli import settings as cli_settings
from briefing.daily import batch
from briefing.engines import registry
from briefing.errors import RenderError, UsageError
from briefing.options import (
    DEVICES,
    ENGINES,
    ENV_NAMES,
    OPTION_NAMES,
    Environment,
    SpeakOptions,
    declaration,
    environment,
    variable,
)
from briefing.publish.mp3 import DEFAULT_BITRATE
from briefing.synthesis.render import RenderOptions

TEXT = "Premier sujet\n\nUn paragraphe sur le port de Brest et ses quais."


def write_manifest(folder: Path, defaults: str = "", episodes: tuple[str, ...] = ("",)) -> Path:
    """A manifest of espeak episodes named un, deux, ... each reading a.txt, with these lines
    added to [defaults] and to each episode."""
    (folder / "a.txt").write_text(TEXT, encoding="utf-8")
    names = ("un", "deux", "trois")
    text = f'output_dir = "out"\n[defaults]\nengine = "espeak"\ncache = false\n{defaults}\n'
    for name, lines in zip(names, episodes, strict=False):  # as many episodes as given, up to three
        text += f'[[episode]]\nname = "{name}"\ninputs = ["a.txt"]\n{lines}\n'
    path = folder / "m.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_message(result) -> str:
    """The one line a command printed on failure, without its "briefing: error: "."""
    assert_one_line_error(result, 2, "")
    return result.stderr.strip().removeprefix("briefing: error: ")


# speak's arguments, the same value as a manifest setting, and the table it goes in (the
# workers' settings are shared by the whole run: [defaults] only).
BAD_VALUES = [
    (["--bitrate", "320k"], 'bitrate = "320k"', "episode"),
    (["--bitrate", "loud"], 'bitrate = "loud"', "episode"),
    (["--date", "2026-13-01"], 'date = "2026-13-01"', "episode"),
    (["--date", "24/11/2026"], 'date = "24/11/2026"', "defaults"),
    (["--speed", "3"], "speed = 3", "episode"),
    (["--speed", "0.2"], "speed = 0.2", "defaults"),
    (["--max-chars", "10"], "max_chars = 10", "episode"),
    (["--max-articles", "0"], "max_articles = 0", "episode"),
    (["--cache-size", "0"], "cache_size = 0", "episode"),
    (["--engine", "festival"], 'engine = "festival"', "episode"),
    (["--device", "tpu"], 'device = "tpu"', "episode"),
    (["--jobs", "0"], "jobs = 0", "defaults"),
    (["--ray-cpus", "0"], "ray_cpus = 0", "defaults"),
    (["--executor", "slurm"], 'executor = "slurm"', "defaults"),
]


@pytest.mark.parametrize("args, setting, table", BAD_VALUES)
def test_a_bad_value_gives_the_same_error_from_the_command_line_and_a_manifest(
    runner, article, tmp_path, args, setting, table
):
    message = error_message(runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), *args]))
    manifest = write_manifest(tmp_path, **({"defaults": setting} if table == "defaults" else {"episodes": (setting,)}))
    result = runner.invoke(app, ["batch", str(manifest)])
    where = f"{manifest} [defaults]" if table == "defaults" else f"{manifest} episode 1"
    assert error_message(result) == f"{where}: {message}"
    assert no_episode_files(tmp_path)


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--ray-cpus", "0"], ["--executor", "slurm"], ["--device", "tpu"]])
def test_batch_options_are_checked_as_speak_s(runner, article, tmp_path, args):
    message = error_message(runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), *args]))
    assert error_message(runner.invoke(app, ["batch", str(write_manifest(tmp_path)), *args])) == message
    assert no_episode_files(tmp_path)


@pytest.mark.parametrize(
    "args", [["--date", "2026-13-01"], ["--max-chars", "10"], ["--max-articles", "0"], ["--engine", "festival"]]
)
def test_script_checks_the_text_options_as_speak_does(runner, article, tmp_path, args):
    message = error_message(runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), *args]))
    assert error_message(runner.invoke(app, ["script", str(article), *args])) == message


@pytest.mark.parametrize(
    "lines, fragment",
    [
        (
            "speeed = 1.5",
            "episode 1: unknown setting 'speeed'; valid: bitrate, briefing, c2pa_cert, c2pa_key, cache, cache_dir, cache_size, cover, date, device, disclosure, disclosure_text, engine, ",
        ),
        ("jobs = 2", "episode 1: jobs is shared by the whole run; set it in [defaults]"),
        ('speed = "fast"', "episode 1: speed must be a number (got 'fast')"),
        ("max_chars = 80.5", "episode 1: max_chars must be a whole number (got 80.5)"),
        ('cache = "no"', "episode 1: cache must be true or false (got 'no')"),
        ("date = 2026-11-24T08:00:00", "episode 1: date must be a date like 2026-11-24"),
    ],
)
def test_a_manifest_refuses_unknown_settings_and_wrong_types(runner, tmp_path, lines, fragment):
    result = runner.invoke(app, ["batch", str(write_manifest(tmp_path, episodes=(lines,)))])
    assert_one_line_error(result, 2, fragment)
    assert no_episode_files(tmp_path)


def test_defaults_are_the_same_from_the_command_line_and_a_manifest(runner, article, tmp_path, monkeypatch):
    seen = []

    def record(sources, out, options, **kwargs):
        seen.append(options)
        raise RenderError("recorded, not rendered")

    monkeypatch.setattr(pipeline, "make_episode", record)
    monkeypatch.setattr(batch, "make_episode", record)
    runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3")])
    manifest = tmp_path / "m.toml"
    manifest.write_text(f'[[episode]]\nname = "un"\ninputs = ["{article}"]\n', encoding="utf-8")
    runner.invoke(app, ["batch", str(manifest)])
    assert len(seen) == 2
    assert seen[0] == seen[1] == pipeline.Options.from_speak(SpeakOptions())


def test_the_stages_take_their_defaults_from_the_options():
    # render.jobs is the one difference: one job for a library caller, one per core for a person
    assert pipeline.Options.from_speak(SpeakOptions(jobs=1)) == pipeline.Options()
    assert RenderOptions().jobs == 1
    # the same choices as the stages check, and the bitrate publish/ falls back to
    assert (ENGINES, DEVICES) == (registry.ENGINE_MODES, registry.DEVICES)  # the registry's, imported
    assert DEFAULT_BITRATE == SpeakOptions.bitrate


def test_every_setting_of_a_manifest_reaches_the_episode(tmp_path):
    manifest = write_manifest(
        tmp_path,
        defaults='jobs = 3\nray_cpus = 2\nbitrate = "128K"\ncover = "art/cover.png"\nspeed = 1',
        episodes=(
            'device = "cpu"\ncache_size = 64\ndate = 2026-11-24\nmax_chars = 120\ntitle = "Le port"\nbitrate = "64k"',
            "",
        ),
    )
    first, second = batch.load_manifest(manifest)
    assert first.options == SpeakOptions(
        engine="espeak",
        cache=False,
        jobs=3,
        ray_cpus=2,
        bitrate="64k",
        cover=tmp_path / "art" / "cover.png",
        speed=1.0,
        device="cpu",
        cache_size=64,
        date=dt.date(2026, 11, 24),
        max_chars=120,
        title="Le port",
    )
    assert (second.options.device, second.options.bitrate, second.options.cache_size) == ("auto", "128k", 2048)
    stages = pipeline.Options.from_speak(first.options)
    assert (stages.render.device, stages.render.jobs, stages.render.ray_cpus, stages.cache_max_bytes) == (
        "cpu",
        3,
        2,
        64 * 1024 * 1024,
    )
    # the batch command's options win over the manifest's
    overridden = batch.load_manifest(manifest, {"device": "auto", "jobs": 1, "executor": None})
    assert [(j.options.device, j.options.jobs, j.options.executor) for j in overridden] == [("auto", 1, "local")] * 2


def test_each_episode_is_synthesised_on_its_own_device(runner, tmp_path, monkeypatch):
    rendered = []
    make_episode = batch.make_episode

    def spy(sources, out, options, executor=None, **kwargs):
        rendered.append((Path(out).stem, options.render.device, executor.device))
        return make_episode(sources, out, options, executor=executor, **kwargs)

    monkeypatch.setattr(batch, "make_episode", spy)
    manifest = write_manifest(tmp_path, episodes=('device = "cpu"', "", 'device = "cpu"'))
    result = runner.invoke(app, ["batch", str(manifest)])
    assert result.exit_code == 0, result.output
    # one set of workers per device, each episode on its own; the table keeps the manifest's order
    assert rendered == [("un", "cpu", "cpu"), ("trois", "cpu", "cpu"), ("deux", "auto", "auto")]
    assert [line.split()[0] for line in result.stdout.splitlines()[1:4]] == ["un", "deux", "trois"]
    rendered.clear()
    assert runner.invoke(app, ["batch", str(manifest), "--device", "cpu"]).exit_code == 0
    assert rendered == [("un", "cpu", "cpu"), ("deux", "cpu", "cpu"), ("trois", "cpu", "cpu")]


@pytest.mark.parametrize(
    "given, expected",
    [
        ({}, SpeakOptions()),
        ({"bitrate": "96K"}, SpeakOptions(bitrate="96k")),
        ({"bitrate": "128"}, SpeakOptions(bitrate="128k")),
        ({"speed": 2}, SpeakOptions(speed=2.0)),
        ({"date": "2026-11-24"}, SpeakOptions(date=dt.date(2026, 11, 24))),
        ({"date": dt.date(2026, 11, 24)}, SpeakOptions(date=dt.date(2026, 11, 24))),
        ({"voices": "mes-voix", "title": None}, SpeakOptions(voices=Path("/m/mes-voix"))),
        ({"cover": "/srv/cover.png"}, SpeakOptions(cover=Path("/srv/cover.png"))),
    ],
)
def test_values_are_put_in_canonical_form(given, expected):
    assert SpeakOptions.from_mapping(given, base=Path("/m")) == expected


def test_a_bad_value_is_refused_whoever_builds_the_options():
    with pytest.raises(UsageError, match=r"^speed 2\.5 is outside 0\.5-2\.0$"):
        SpeakOptions(speed=2.5)
    with pytest.raises(UsageError, match=r"^config\.toml \[speak\]: bitrate '256k' is outside 64k-128k$"):
        SpeakOptions.from_mapping({"bitrate": "256k"}, where="config.toml [speak]")
    with pytest.raises(UsageError, match=r"^unknown setting 'output'; valid: date, title$"):
        SpeakOptions.from_mapping({"output": "x.mp3"}, keys=("title", "date"))


def test_the_documented_manifest_loads(tmp_path):
    page = (ROOT / "docs" / "scale-out.md").read_text(encoding="utf-8")
    section = page[page.index("## Many episodes") :]
    start = section.index("```toml\n") + len("```toml\n")
    manifest = tmp_path / "daily.toml"
    manifest.write_text(section[start : section.index("```", start)], encoding="utf-8")
    monde, sport = batch.load_manifest(manifest)
    assert (monde.options.title, monde.options.max_articles, monde.options.jobs) == ("Le monde ce matin", 5, 8)
    assert (sport.options.bitrate, sport.options.date, sport.options.device, sport.options.executor) == (
        "64k",
        dt.date(2026, 11, 24),
        "cpu",
        "ray",
    )
    assert sport.inputs[0] == str(tmp_path / "sport.md") and monde.out == tmp_path / "episodes" / "monde.mp3"


# --- one declaration per option -----------------------------------------------------------------


def _params(command: str) -> dict:
    """The click parameters of a command, by name."""
    import typer

    group = typer.main.get_command(app)
    return {p.name: p for p in group.commands[command].params}


def test_every_option_is_declared_once_with_its_help_and_becomes_speak_s_parameter():
    params = _params("speak")
    for name in OPTION_NAMES:
        meta = declaration(name).metadata
        assert meta["help"].strip(), f"{name} has no help"
        param = params[name]
        assert param.help.startswith(meta["help"]), name
        assert (meta["flag"] or "--" + name.replace("_", "-")) in param.opts + param.secondary_opts or meta["flag"] in (
            "--briefing/--no-briefing",
            "--disclosure/--no-disclosure",
        ), name
        default = getattr(SpeakOptions(), name)
        expected = (not default) if meta["negate"] else default
        if isinstance(default, dt.date):  # noqa: SIM108
            expected = None
        assert param.default == expected, name


def test_script_batch_voices_and_publish_take_their_options_from_the_same_declarations():
    assert set(SCRIPT_OPTIONS) <= set(_params("script"))
    batch_params = _params("batch")
    for name in BATCH_OPTIONS:  # not given: the manifest's value, else the declared default
        assert batch_params[name].default is None and "default: the manifest's" in batch_params[name].help
    assert _params("voices")["device"].help == declaration("device").metadata["help"]
    assert _params("publish")["date"].help == declaration("date").metadata["help"]


def test_negated_flags_and_unset_values_reach_the_options_as_declared():
    assert cli_settings({"cache": True}).cache is False  # --no-cache given
    assert cli_settings({"cache": False}).cache is True
    assert cli_settings({"jobs": None, "title": None}) == SpeakOptions()


def test_the_stages_views_take_every_option_of_their_names():
    speak = SpeakOptions(title="T", max_chars=90, speed=1.5, jobs=3, ray_cpus=2, epub=True, cache_size=3)
    options = pipeline.Options.from_speak(speak)
    assert (options.script.title, options.script.max_chars) == ("T", 90)
    assert (options.render.speed, options.render.jobs, options.render.ray_cpus) == (1.5, 3, 2)
    assert options.epub is True and options.cache_max_bytes == 3 * 1024 * 1024
    with pytest.raises(UsageError, match=r"^unknown device 'tpu'; choose one of: auto, cpu, cuda$"):
        RenderOptions(device="tpu")  # a library caller's view is checked by the same check


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("BRIEFING_COQUI_RUNTIME", "gpu-please", "BRIEFING_COQUI_RUNTIME='gpu-please': choose one of: auto, torch"),
        ("BRIEFING_COQUI_PRECISION", "fp16", "BRIEFING_COQUI_PRECISION='fp16': choose one of: auto, fp32, bf16"),
        ("BRIEFING_COQUI_BATCH", "0", "BRIEFING_COQUI_BATCH='0': coqui_batch 0 is outside 1-256"),
        ("BRIEFING_COQUI_BATCH", "four", "BRIEFING_COQUI_BATCH='four': must be a whole number"),
        ("BRIEFING_HTTP_TIMEOUT", "1,1", "BRIEFING_HTTP_TIMEOUT='1,1': must be a number"),
    ],
)
def test_the_environment_settings_are_declared_and_checked_like_the_options(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(UsageError) as caught:
        environment()
    assert str(caught.value) == message


def test_the_environment_variables_are_named_from_their_declaration(monkeypatch, tmp_path):
    assert [variable(name) for name in ENV_NAMES] == [
        "BRIEFING_COQUI_RUNTIME",
        "BRIEFING_COQUI_PRECISION",
        "BRIEFING_COQUI_BATCH",
        "BRIEFING_HTTP_TIMEOUT",
        "BRIEFING_TIMINGS",
    ]
    monkeypatch.setenv("BRIEFING_COQUI_PRECISION", " BF16 ")
    monkeypatch.setenv("BRIEFING_HTTP_TIMEOUT", "2.5")
    monkeypatch.setenv("BRIEFING_TIMINGS", str(tmp_path / "t.json"))
    assert environment() == Environment(coqui_precision="bf16", http_timeout=2.5, timings=tmp_path / "t.json")
