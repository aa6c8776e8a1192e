"""What the process does with the machine, for every stage: where briefing keeps its files
(paths), where a run's time goes (timings), heap pages handed back during a long render
(malloc). Imports nothing else of briefing."""
