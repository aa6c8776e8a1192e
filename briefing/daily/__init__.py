"""`briefing publish CONFIG.toml`: a show kept up to date, one run a day (or more): its
configuration (config), what it published (state), and the run itself (run)."""
