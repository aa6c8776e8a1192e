"""Episode in, files out: the MP3 (`mp3`), transcripts and chapters (`transcripts`), the
listening page (`page`), all written together (`episode`); the podcast feed (`feed`) and the
HTTP server (`serve`)."""
