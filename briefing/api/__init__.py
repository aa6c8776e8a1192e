"""`briefing serve DIR --api` and `briefing api-key`: an HTTP API for a CMS (app), its keys and
jobs in SQLite (store), and the workers that render the jobs (jobs)."""
