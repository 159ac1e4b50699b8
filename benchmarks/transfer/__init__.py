"""The transfer benchmark: held-out tasks tuned by every method, same budget and seeds.

.venv/bin/python -m benchmarks.transfer --families yahpo_rpart --seeds 3  # bench-full's steps
.venv/bin/python -m benchmarks.transfer --smoke    # one task a family, tiny budget (make test)
"""
