"""Stand-in for MicroPython's dht module: humidity EDDY_SHIM_HUMIDITY (%RH), 40.2 if unset."""
import os


class DHT22:
    def __init__(self, pin):
        self.pin = pin

    def measure(self):
        pass

    def temperature(self):
        return 21.5

    def humidity(self):
        return float(os.environ.get("EDDY_SHIM_HUMIDITY", "40.2"))
