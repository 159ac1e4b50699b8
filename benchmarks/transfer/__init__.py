"""The transfer benchmark: leave one task out, tune it with every method, same budget and seeds.

.venv/bin/python -m benchmarks.transfer            # the full run (see ``make bench``)
.venv/bin/python -m benchmarks.transfer --smoke    # one task, tiny budget (in make test)
"""
