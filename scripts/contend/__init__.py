"""contend: the Python side of the project (results, plots, comparisons,
sweeps and the CPython peers). The programs in scripts/ are its entry points."""
