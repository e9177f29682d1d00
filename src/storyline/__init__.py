"""storyline: a sourced, dated timeline of events from a pile of news articles."""

import os as _os

# Sentence vectors are many small matrix products; OpenBLAS's extra threads spin instead of
# helping (the example corpus builds in 8 s with one thread, 15 s with two, on 2 cores; 4x at
# load 6). Set before numpy is first imported; a value the user set wins.
if "numpy" not in __import__("sys").modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        _os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
