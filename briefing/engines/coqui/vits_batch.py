"""Many VITS segments at once: the flow and the decoder on a padded batch, with the same audio
as one at a time.

Each segment's front end (text encoder, duration predictor, noise) runs alone, seeded by the
engine exactly as on the one-segment path (`vits_onnx.front_end`); that is a few percent of the
work, and drawing the noise per segment is what keeps a segment's audio independent of the
batch it is in. The back half, about 95 % of the work, runs once for the whole batch: `z_p`
padded with zeros to the longest segment, `y_mask` marking each one's frames, speaker
conditioning stacked.

Coqui's reverse flow already masks every layer. Its HiFi-GAN decoder does not: a convolution
near the end of a short segment would see the padding's values (biases, speaker conditioning)
where alone it sees its own zero padding. So while a batch is decoded, every convolution of the
decoder gets a pre-hook that zeroes its input past each segment's end, at that layer's time
resolution: each convolution then reads exactly what it reads for the segment alone, and the
batched audio equals the unbatched audio to float rounding (tested on CPU).

On CUDA this is the fast path: one decoder pass for many segments fills the GPU that one short
segment leaves idle. `half=True` runs the flow and decoder in float16 (autocast).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from briefing.engines.coqui.vits_onnx import front_end


@contextlib.contextmanager
def masked_decoder(decoder: torch.nn.Module, frames: Sequence[int], total: int) -> Iterator[None]:
    """While inside, each convolution of `decoder` reads zeros past each batch item's end:
    item i holds frames[i] of the `total` frames the batch was padded to."""
    lengths = torch.as_tensor(list(frames))

    def zero_tail(module, inputs):
        x = inputs[0]
        if x.shape[-1] < total:
            return None  # not along time: the speaker conditioning (one frame)
        scale = x.shape[-1] // total  # this layer's samples per frame (1, then the upsampling so far)
        valid = (lengths * scale).to(x.device)
        keep = torch.arange(x.shape[-1], device=x.device)[None, :] < valid[:, None]
        return (x * keep[:, None, :].to(x.dtype), *inputs[1:])

    handles = [
        m.register_forward_pre_hook(zero_tail)
        for m in decoder.modules()
        if isinstance(m, torch.nn.Conv1d | torch.nn.ConvTranspose1d)
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def back_half(vits, fronts: Sequence[tuple], half: bool = False) -> list[np.ndarray]:
    """The audio of each (z_p, y_mask, g) front end, decoded as one padded batch."""
    frames = [int(y_mask.shape[-1]) for _, y_mask, _ in fronts]
    total = max(frames)
    z_p = torch.zeros((len(fronts), fronts[0][0].shape[1], total), dtype=fronts[0][0].dtype, device=fronts[0][0].device)
    y_mask = torch.zeros((len(fronts), 1, total), dtype=fronts[0][1].dtype, device=fronts[0][1].device)
    for i, (z, mask, _) in enumerate(fronts):
        z_p[i, :, : frames[i]] = z[0]
        y_mask[i, :, : frames[i]] = mask[0]
    g = torch.cat([g for _, _, g in fronts]) if fronts[0][2] is not None else None
    hop = _hop_length(vits)
    autocast = torch.autocast(z_p.device.type, dtype=torch.float16) if half else contextlib.nullcontext()
    with torch.inference_mode(), autocast:
        z = vits.flow(z_p, y_mask, g=g, reverse=True)
        with masked_decoder(vits.waveform_decoder, frames, total):
            wav = vits.waveform_decoder((z * y_mask)[:, :, : vits.max_inference_len], g=g)
    wav = wav.float().cpu().numpy()
    return [wav[i, 0, : frames[i] * hop] for i in range(len(fronts))]


def synthesize_batch(
    vits, texts: Sequence[str], seeds: Sequence[int], half: bool = False, **synthesize_kwargs
) -> list[np.ndarray]:
    """Each text's audio, as `vits.synthesize` would give it with torch seeded by its seed."""
    fronts = []
    with torch.inference_mode():
        for text, seed in zip(texts, seeds, strict=True):
            torch.manual_seed(seed)
            fronts.append(front_end(vits, text, **synthesize_kwargs))
    return back_half(vits, fronts, half=half)


def _hop_length(vits) -> int:
    """Samples per frame of the decoder's output: the product of its upsampling rates."""
    rates = getattr(vits.args, "upsample_rates_decoder", None) or [8, 8, 2, 2]
    return int(np.prod(rates))


# --- gathering concurrent segments into batches ------------------------------------------------


class _Request:
    def __init__(self, text: str, key: tuple, seed: int, kwargs: dict):
        self.text, self.key, self.seed, self.kwargs = text, key, seed, kwargs
        self.done = False
        self.audio: np.ndarray | None = None
        self.error: BaseException | None = None


class Batcher:
    """Gathers the segments that threads ask of one VITS model at the same time into batches.

    The render keeps several segments in flight (`--jobs`); each thread calls `speak` and
    waits. The first to find the model idle leads: it waits `gather_s` for others to arrive,
    takes up to `size` requests with the same settings (speaker, speed) and runs them as one
    batch under `lock` (the engine's: torch's random generator is shared), then hands each its
    audio. A segment's audio does not depend on the batch it lands in (vits_batch's masks and
    per-segment seeds), so gathering changes the speed, never the sound.
    """

    def __init__(self, vits, lock, size: int, half: bool = False, gather_s: float = 0.01):
        self.vits, self.lock, self.size, self.half, self.gather_s = vits, lock, size, half, gather_s
        self._cond = threading.Condition()
        self._queue: list[_Request] = []
        self._leading = False
        self.largest = 0  # the largest batch run so far (for tests and the benchmark)

    def speak(self, text: str, key: tuple, seed: int, length_scale: float, kwargs: dict) -> np.ndarray:
        request = _Request(text, (key, length_scale), seed, kwargs)
        with self._cond:
            self._queue.append(request)
            self._cond.notify_all()
            while not request.done:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                self._cond.wait(timeout=self.gather_s)  # let the others in flight arrive
                first = self._queue[0]
                batch = [r for r in self._queue if r.key == first.key][: self.size]
                for r in batch:
                    self._queue.remove(r)
                self._cond.release()
                try:
                    self._run(batch)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        if request.error is not None:
            raise request.error
        return request.audio

    def _run(self, batch: list[_Request]) -> None:
        self.largest = max(self.largest, len(batch))
        try:
            with self.lock:
                self.vits.length_scale = batch[0].key[1]
                audio = synthesize_batch(
                    self.vits, [r.text for r in batch], [r.seed for r in batch], half=self.half, **batch[0].kwargs
                )
            for r, a in zip(batch, audio, strict=True):
                r.audio = a
        except BaseException as exc:  # every waiting segment hears of it, not only the leader
            for r in batch:
                r.error = exc
        for r in batch:
            r.done = True
