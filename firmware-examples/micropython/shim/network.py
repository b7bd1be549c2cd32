"""Stand-in for MicroPython's network module: a station that is always joined."""
STA_IF, AP_IF = 0, 1


class WLAN:
    def __init__(self, interface=STA_IF):
        self._active = False

    def active(self, on=None):
        if on is not None:
            self._active = bool(on)
        return self._active

    def connect(self, ssid=None, key=None):
        pass

    def isconnected(self):
        return self._active

    def ifconfig(self):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")
