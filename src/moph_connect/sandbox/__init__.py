"""The console's test sandbox: each call a hospital makes to the test environment's API,
kept with its answer so that a developer integrating sees what she sent and what came
back. `recording.py` decides what of a call is kept (pure: never the patient's name);
`repository.py` stores it, bounded per hospital, and reads it and the test patients'
messages back for the console."""
