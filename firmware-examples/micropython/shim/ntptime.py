"""Stand-in for MicroPython's ntptime: CPython's clock is already set."""
host = "pool.ntp.org"


def settime():
    pass
