"""Stand-in for MicroPython's ds18x20 driver: one sensor whose readings are
EDDY_SHIM_TEMPS (comma-separated °C, used in turn, from the start again
when used up), 21.5 if unset."""
import os


class DS18X20:
    def __init__(self, onewire):
        self.ow = onewire
        self.temps = [float(v) for v in os.environ.get("EDDY_SHIM_TEMPS", "21.5").split(",")]
        self.n = 0

    def scan(self):
        return [bytearray(b"\x28\xff\x64\x1e\x0f\x00\x00\x5a")]

    def convert_temp(self):
        pass

    def read_temp(self, rom):
        t = self.temps[self.n % len(self.temps)]
        self.n += 1
        return t
