"""`briefing voices --check`: every voice that can run here says one French sentence, measured.

For each preset whose engine and model are on this machine: load it, synthesise CHECK_TEXT, and
report engine, model, sample rate, duration, load time, real-time factor and peak level, with
what is wrong: no audio, silence, a duration that cannot hold the text (cut) or that runs far
past it, a model that never ended by itself (stopped at its runaway bound). Presets that cannot
run here are listed as skipped, with the reason; they are not failures.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from briefing.engines import engine_class
from briefing.errors import BriefingError
from briefing.model import VoiceBook, VoicePreset
from briefing.synthesis.casting import unavailable_reason
from briefing.synthesis.local import prepared_engine, speak

CHECK_TEXT = "Bonjour, voici la voix qui vous lira les informations de ce matin."
SILENT_DBFS = -40.0  # a voice whose loudest sample is below this says nothing audible
# French speech runs 10-18 characters a second; outside 3-40 the audio cannot be the sentence.
MIN_CHARS_PER_S, MAX_CHARS_PER_S = 3.0, 40.0


@dataclass(frozen=True)
class VoiceCheck:
    preset: str
    engine: str
    model: str  # what the engine says it speaks with: a model id, a voice
    skipped: str | None = None  # why it was not checked (it cannot run here)
    sample_rate: int | None = None
    duration_s: float | None = None
    load_s: float | None = None
    synth_s: float | None = None
    peak_dbfs: float | None = None
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.skipped is None and not self.problems

    @property
    def rtf(self) -> float | None:
        return self.synth_s / self.duration_s if self.synth_s is not None and self.duration_s else None

    def to_dict(self) -> dict:
        return {**asdict(self), "rtf": self.rtf, "ok": self.ok}


def model_of(preset: VoicePreset) -> str:
    """What the preset speaks with, as its engine names it (a model id, a voice)."""
    label = engine_class(preset.engine).label(preset)
    if preset.derived:
        label += f" {preset.pitch_shift:+g} st x{preset.formant_shift:g}"
    return label


def check_preset(preset: VoicePreset, device: str = "auto", text: str = CHECK_TEXT) -> VoiceCheck:
    """Load `preset` and have it say `text`; what was measured and what is wrong."""
    base = dict(preset=preset.name, engine=preset.engine, model=model_of(preset))
    reason = unavailable_reason(preset)
    if reason:
        return VoiceCheck(**base, skipped=reason)
    started = time.perf_counter()
    try:
        engine = prepared_engine(preset, device)
        loaded = time.perf_counter()
        audio = speak(engine, text, preset)
    except BriefingError as exc:
        return VoiceCheck(**base, problems=(str(exc),))
    except Exception as exc:  # noqa: BLE001 - any engine failure is what the check is for
        return VoiceCheck(**base, problems=(f"{type(exc).__name__}: {exc}",))
    done = time.perf_counter()
    samples = np.asarray(audio.samples, dtype=np.float32)
    duration = len(samples) / audio.sample_rate if audio.sample_rate else 0.0
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    peak_dbfs = 20 * math.log10(peak) if peak > 0 else -math.inf
    problems = []
    if samples.size == 0:
        problems.append("no audio")
    elif peak_dbfs < SILENT_DBFS:
        problems.append(f"silent (peak {peak_dbfs:.1f} dBFS)")
    if not audio.complete:
        problems.append("the model never ended by itself: audio stopped at its runaway bound")
    if samples.size and duration < len(text) / MAX_CHARS_PER_S:
        problems.append(f"cut: {duration:.2f} s cannot hold {len(text)} characters")
    elif duration > len(text) / MIN_CHARS_PER_S + 1.0:
        problems.append(f"too long: {duration:.1f} s for {len(text)} characters")
    return VoiceCheck(
        **base,
        sample_rate=audio.sample_rate,
        duration_s=round(duration, 3),
        load_s=round(loaded - started, 3),
        synth_s=round(done - loaded, 3),
        peak_dbfs=round(peak_dbfs, 1),
        problems=tuple(problems),
        notes=tuple(audio.notes),
    )


def check_voices(book: VoiceBook, device: str = "auto", text: str = CHECK_TEXT) -> list[VoiceCheck]:
    return [check_preset(preset, device, text) for _, preset in sorted(book.presets.items())]


EMPTY_CELLS = f"{'-':>6} {'-':>8} {'-':>7} {'-':>6} {'-':>9}"  # rate, audio, load, RTF, peak of a voice not measured


def check_table(results: list[VoiceCheck], text: str = CHECK_TEXT) -> str:
    """The results as a table, one preset a line, then the notes."""
    lines = [f'check sentence ({len(text)} characters): "{text}"']
    header = (
        f"{'preset':<26} {'engine':<7} {'model':<46} {'rate':>6} {'audio s':>8} {'load s':>7} {'RTF':>6} "
        f"{'peak dBFS':>9}  result"
    )
    lines += [header, "-" * len(header)]
    for r in results:
        if r.skipped:
            lines.append(f"{r.preset:<26} {r.engine:<7} {r.model[:46]:<46} {EMPTY_CELLS}  skipped: {r.skipped}")
            continue
        if r.duration_s is None:
            lines.append(
                f"{r.preset:<26} {r.engine:<7} {r.model[:46]:<46} {EMPTY_CELLS}  FAILED: {'; '.join(r.problems)}"
            )
            continue
        result = "ok" if r.ok else "FAILED: " + "; ".join(r.problems)
        lines.append(
            f"{r.preset:<26} {r.engine:<7} {r.model[:46]:<46} {r.sample_rate:>6} {r.duration_s:>8.2f} {r.load_s:>7.2f} "
            f"{r.rtf:>6.3f} {r.peak_dbfs:>9.1f}  {result}"
        )
    for r in results:
        for note in r.notes:
            lines.append(f"note: {r.preset}: {note}")
    checked = [r for r in results if not r.skipped]
    failed = [r for r in checked if not r.ok]
    lines.append(f"{len(checked)} checked, {len(failed)} failed, {len(results) - len(checked)} skipped")
    return "\n".join(lines)
