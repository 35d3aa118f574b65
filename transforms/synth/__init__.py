"""The synthetic kabupaten: labelled test data for the pipeline, not a stage of it.

`generate_sample` writes a baseline list, quarterly inboxes and the labels that say what the
pipeline must make of every row (`sample.py`); the population, the quarter's events, the hard
and messy cases and the province are drawn by the modules beside it.
"""

from transforms.synth.sample import SampleInfo, file_name, generate_sample

__all__ = ["SampleInfo", "file_name", "generate_sample"]
