"""Runs main.py under CPython with stand-ins for MicroPython's board modules.

    python3 shim/run.py path/to/main.py

The directory of config.py must be on PYTHONPATH (the test writes one with
the broker's address). This adds MicroPython's time functions to CPython's
time module (it is built in, so a time.py on the path could not replace
it), puts this directory first on sys.path for machine, network, ntptime,
onewire, ds18x20, dht and umqtt.simple, and runs main.py as __main__.
"""
import os
import runpy
import sys
import time

_TICKS_PERIOD = 1 << 30  # MicroPython's ticks wrap at a port-specific power of two


def ticks_ms():
    return (time.monotonic_ns() // 1000000) % _TICKS_PERIOD


def ticks_add(ticks, delta):
    return (ticks + delta) % _TICKS_PERIOD


def ticks_diff(a, b):
    d = (a - b) % _TICKS_PERIOD
    return d - _TICKS_PERIOD if d >= _TICKS_PERIOD // 2 else d


def sleep_ms(ms):
    if ms > 0:
        time.sleep(ms / 1000)


time.ticks_ms, time.ticks_add, time.ticks_diff, time.sleep_ms = ticks_ms, ticks_add, ticks_diff, sleep_ms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if len(sys.argv) != 2:
    sys.exit("usage: run.py main.py")
main = sys.argv[1]
sys.argv = [main]
runpy.run_path(main, run_name="__main__")
