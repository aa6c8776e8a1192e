"""Where segments are synthesised: threads in this process (`local`), or Ray actors (`ray`).

Both take the same requests (segment index, spoken text, voice preset) and give back the same
Audio, so the cache, the mixing and the MP3 are the same whichever ran the engine. An executor
is created once per run (a `briefing batch` shares one across its episodes on the same device)
and closed at the end.
"""

from __future__ import annotations

from briefing.synthesis.local import Executor, LocalExecutor


def make_executor(name: str, jobs: int, device: str, ray_address: str | None = None, ray_cpus: int = 1) -> Executor:
    """The executor `name` (checked by briefing.options: local or ray, as RenderOptions holds it)."""
    if name == "ray":
        from briefing.synthesis.ray_actors import RayExecutor

        return RayExecutor(jobs, device, address=ray_address, cpus_per_actor=ray_cpus)
    return LocalExecutor(jobs, device)
