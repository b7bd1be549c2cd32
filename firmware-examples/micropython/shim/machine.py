"""Stand-in for MicroPython's machine module: only what main.py uses."""
import os


class Pin:
    IN, OUT, OPEN_DRAIN = 0, 1, 2
    PULL_UP, PULL_DOWN = 1, 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id


def unique_id():
    return bytes.fromhex(os.environ.get("EDDY_SHIM_UNIQUE_ID", "a4cf12000001"))


def reset():
    raise SystemExit("machine.reset()")
