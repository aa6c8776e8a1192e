"""Clips in, one Episode out: raw audio files (`pcm`), assembly (`assembly`), the music bed
(`music`), loudness and limiting (`loudness`)."""
