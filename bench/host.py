"""Which machine a benchmark ran on, and how fast one of its cores is.

Results taken on different hosts of the same kind (2 cores) differ by more than any
change to the code: the same load run cost 49 ms of CPU a request on one host and 25 ms
on another. Each result therefore records the processor and `core_speed`, a fixed piece
of pure-Python work timed on one core, so that two results can be told apart by host
before they are compared.
"""

import os
import platform
import time

CALIBRATION_LOOPS = 2_000_000


def processor():
    """The model name and clock of the first processor, as /proc/cpuinfo gives them."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor's block ends here
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        return platform.processor() or "unknown"
    mhz = fields.get("cpu MHz")
    return fields.get("model name", "unknown") + (f", {float(mhz):.0f} MHz" if mhz else "")


def core_speed_ms(repeat=5):
    """CPU milliseconds (best of `repeat`) of a fixed loop: lower is faster."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        total = 0
        for i in range(CALIBRATION_LOOPS):
            total += i * i % 7
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def describe():
    """The fields every result records about its host."""
    return {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "processor": processor(),
        "core_speed_ms": core_speed_ms(),
        "core_speed_is": f"CPU ms of {CALIBRATION_LOOPS:,} loop steps on one core (lower: faster)",
    }
