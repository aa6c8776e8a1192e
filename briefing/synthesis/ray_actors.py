"""Synthesis on a Ray cluster: one actor per worker, each holding its engines and models.

Actors load a model once and keep it for every segment they are sent. An actor that dies
mid-segment (its process killed, its node lost) is restarted by Ray and the segments it held
are retried, up to MAX_RESTARTS / MAX_TASK_RETRIES; a segment whose engine raises fails the run
at once with a message naming it. Requests are the same as the local executor's, and results
come back to the same cache and mixer, so the MP3 is byte-identical to a local render.

Ray is an optional extra: pip install 'briefing[ray]'.
"""

from __future__ import annotations

import logging
import os
import threading

from briefing.engines import Audio
from briefing.engines.registry import engine_class
from briefing.errors import BriefingError, EngineUnavailable, RenderError
from briefing.model import VoicePreset
from briefing.synthesis.local import Executor
from briefing.synthesis.ray_auth import prepare_auth

log = logging.getLogger(__name__)

MAX_RESTARTS = 3  # per actor
MAX_TASK_RETRIES = 3  # per segment, when its actor died under it
INSTALL_HINT = "Ray is not installed: pip install 'briefing[ray]' (or pip install 'ray>=2.9')"


def _ray():
    try:
        import ray
    except ImportError:
        raise EngineUnavailable(f"--executor ray: {INSTALL_HINT}") from None
    return ray


class _Worker:
    """The actor's body: engines loaded in the actor's process, reused for every segment."""

    def __init__(self, device: str):
        self.device = device

    def pid(self) -> int:
        return os.getpid()

    def prepare(self, presets: list[VoicePreset]) -> None:
        from briefing.synthesis.local import prepared_engine

        for preset in presets:
            prepared_engine(preset, self.device)

    def synthesize(self, index: int, text: str, preset: VoicePreset):
        from briefing.synthesis.local import synthesize
        from briefing.system.malloc import release

        audio = synthesize(index, text, preset, self.device)
        release()  # an actor synthesises for hours: its memory stays flat (briefing/system/malloc.py)
        return audio.samples, audio.sample_rate


class RayExecutor(Executor):
    """`jobs` actors on the cluster at `address` (None: a local Ray started for this run)."""

    def __init__(
        self,
        jobs: int = 1,
        device: str = "auto",
        address: str | None = None,
        num_cpus: int | None = None,
        cpus_per_actor: int = 1,
    ):
        ray = _ray()
        self.ray = ray
        self.jobs = max(1, jobs)
        self.device = device
        self._started_here = False
        if not ray.is_initialized():
            prepare_auth(address)  # a head from `ray start --head` asks for its token (Ray >= 2.59)
            try:
                ray.init(
                    address=address,
                    num_cpus=num_cpus if address is None else None,
                    include_dashboard=False,
                    logging_level=logging.ERROR,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise EngineUnavailable(
                    f"--executor ray: cannot reach the Ray cluster at {address or 'a new local instance'} ({exc})"
                ) from None
            self._started_here = True
        self.cpus_per_actor = max(1, cpus_per_actor)
        self.address = address
        self.actors: list = []
        self._next = 0
        self._lock = threading.Lock()  # the API's workers share one executor: actors started once

    def _start(self, presets: list[VoicePreset] | None = None) -> None:
        """Start the actors, once. They ask Ray for a GPU only with --device cuda and when a voice
        of the run can use one (`presets`; None: not known yet): an espeak-only run on a cluster
        without GPUs must not wait for ever for a GPU it would not use."""
        with self._lock:
            if not self.actors:
                self._start_actors(presets)

    def _start_actors(self, presets: list[VoicePreset] | None) -> None:
        ray = self.ray
        gpus = 0
        if self.device == "cuda" and (
            presets is None or any("cuda" in engine_class(p.engine).devices for p in presets)
        ):
            gpus = 1
            if ray.cluster_resources().get("GPU", 0) < 1:
                raise EngineUnavailable(
                    f"--device cuda: the Ray cluster at {self.address or 'this machine'} has no GPU; "
                    "use --device cpu or join a node with one"
                )
        if ray.cluster_resources().get("CPU", 0) < self.cpus_per_actor:
            raise EngineUnavailable(
                f"--ray-cpus {self.cpus_per_actor}: the Ray cluster at {self.address or 'this machine'} has "
                f"{ray.cluster_resources().get('CPU', 0):g} CPUs in all; ask for fewer"
            )
        # Ray gives an actor as many torch threads as CPUs it asks for. Float sums depend on the
        # thread count, so the audio of a neural voice is bit-identical to a local render when
        # the actor has as many CPUs as the local run has torch threads (--ray-cpus).
        actor = ray.remote(
            num_cpus=self.cpus_per_actor,
            num_gpus=gpus,
            max_restarts=MAX_RESTARTS,
            max_task_retries=MAX_TASK_RETRIES,
        )(_Worker)
        self.actors = [actor.remote(self.device) for _ in range(self.jobs)]

    def actor_pids(self) -> list[int]:
        self._start()
        return self.ray.get([a.pid.remote() for a in self.actors])

    def prepare(self, presets: list[VoicePreset]) -> None:
        if presets:
            self._start(presets)
            self._get([a.prepare.remote(presets) for a in self.actors], "preparing the voices")

    def submit(self, index: int, text: str, preset: VoicePreset):
        self._start([preset])
        with self._lock:
            actor = self.actors[self._next % len(self.actors)]
            self._next += 1
        return index, text, actor.synthesize.remote(index, text, preset)

    def result(self, handle) -> Audio:
        index, text, ref = handle
        samples, rate = self._get(ref, f"segment {index + 1} ({text[:40]!r})")
        return Audio(samples, rate)

    def _get(self, refs, what: str):
        ray = self.ray
        try:
            return ray.get(refs)
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if hasattr(exc, "cause") else None
            if isinstance(cause, BriefingError):
                raise cause from None
            raise RenderError(f"{what}: a Ray worker failed: {str(cause or exc).splitlines()[0]}") from None
        except (ray.exceptions.RayActorError, ray.exceptions.ActorDiedError) as exc:
            raise RenderError(
                f"{what}: the Ray worker died {MAX_TASK_RETRIES + 1} times on it ({type(exc).__name__}); giving up"
            ) from None

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self.actors = []
        if self._started_here:
            self.ray.shutdown()
