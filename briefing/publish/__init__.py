"""Episode in, files out: the kinds of file an episode is published as (`files`), the MP3
(`mp3`), transcripts and chapters (`transcripts`), the listening page (`page`), all written
together (`episode`); the podcast feed (`feed`) and the HTTP server (`serve`)."""
