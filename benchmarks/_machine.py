"""What the machine was doing during a benchmark: shared by the benchmark scripts.

A plain module with no import of the package, so a script can read the load without
compiling or loading any kernel. Run the scripts from the checkout root
(``python benchmarks/bench_x.py``), which puts this folder on ``sys.path``.
"""

import os


def foreign_cpu_seconds():
    """CPU-seconds used so far by all other processes (Linux /proc/stat), or None.

    The machine may be shared: a busy neighbour skews every timing, so the scripts
    report this difference over each timed section.
    """
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait
    own = os.times()
    return busy - own.user - own.system
