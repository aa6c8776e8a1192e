"""Sources in, Articles out: text and Markdown files, HTML pages, RSS/Atom feeds, URLs, stdin."""
