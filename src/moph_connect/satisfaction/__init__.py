"""Satisfaction: what patients answered to the survey, as numbers (`statistics.py`, pure),
read from `surveys` (`repository.py`), drawn (`charts.py`) and exported (`export.py`)."""
