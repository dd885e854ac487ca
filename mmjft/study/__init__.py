"""Studies: a grid of experiments as one config (configs/studies/), run cell by cell by tools/run_study.py.

cells.py (the study file -> checked cells in dependency order), commands.py (each cell's command lines, under every
launcher), state.py (finished, resumable, dry-run checks), execute.py (lanes, failures), progress.py (the console),
report.py (records as they ran, verdicts, tables, curves)."""
