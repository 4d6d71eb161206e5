"""Crime-analysis methods as plain numpy/scipy functions (no Django).

The Django app, the CLI and the benchmarks all call these; each module is tested
against a reference (esda, the Near Repeat Calculator, a worked example).
"""
