# main.py: a temperature sensor publishing to Eddy, for MicroPython on an
# ESP32, ESP8266 or Raspberry Pi Pico W (MicroPython 1.14 or later).
#
# Every INTERVAL_MS it reads a DS18B20 (and a DHT22 if one is configured) and
# publishes, at QoS 1, on <PREFIX>/<SITE>/<DEVICE>/telemetry:
#
#   {"device":"mp-a4cf12","seq":1042,"ts":1732406416123,"temp":21.4375,"humidity":40.2}
#
# seq never repeats, also across reboots (see reserve()), so the agent drops
# duplicates exactly; ts is Unix ms from the clock NTP set. Readings wait in
# a list until the broker acknowledged them, so a Wi-Fi or broker outage of
# up to BUFFER readings loses nothing. Settings are in config.py.
import os
import time

import machine
import network
import ntptime
from umqtt.simple import MQTTClient

import config

# Some ports count time from 2000-01-01, not 1970.
EPOCH_MS = 946684800000 if time.gmtime(0)[0] == 2000 else 0
CLOCK_SET_MS = 1577836800000  # 2020-01-01: before that the clock was never set
SEQ_BLOCK = 1000


def unix_ms():
    return time.time_ns() // 1000000 + EPOCH_MS


def log(*args):
    print("eddy-sensor:", *args)


class Seq:
    """Sequence numbers that never repeat. The file holds the first number
    not yet reserved; numbers are reserved SEQ_BLOCK at a time, so flash
    sees one write per SEQ_BLOCK readings and a reboot continues above
    every number ever sent (the gap it leaves is harmless)."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path) as f:
                self.next = int(f.read())
        except OSError:  # first boot: no file yet
            self.next = 1
        self.reserve()

    def reserve(self):
        upto = self.next + SEQ_BLOCK
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(upto))
        os.rename(tmp, self.path)
        self.reserved = upto

    def take(self):
        if self.next >= self.reserved:
            self.reserve()
        n = self.next
        self.next += 1
        return n


class Sensor:
    def __init__(self):
        import onewire
        import ds18x20

        self.ds = ds18x20.DS18X20(onewire.OneWire(machine.Pin(config.DS18B20_PIN)))
        roms = self.ds.scan()
        if not roms:
            raise RuntimeError("no DS18B20 on GPIO %d: check the wiring and the pull-up" % config.DS18B20_PIN)
        self.rom = roms[0]
        self.dht = None
        if config.DHT22_PIN is not None:
            import dht

            self.dht = dht.DHT22(machine.Pin(config.DHT22_PIN))

    def read(self):
        """Returns (temp, humidity or None); temp is a multiple of 1/16 °C."""
        self.ds.convert_temp()
        time.sleep_ms(config.DS18B20_CONVERSION_MS)
        temp = self.ds.read_temp(self.rom)
        hum = None
        if self.dht is not None:
            try:
                self.dht.measure()
                hum = self.dht.humidity()
            except OSError:  # a DHT22 misses a read now and then
                pass
        return temp, hum


def payload(device, seq, ts, temp, hum):
    # Written by hand: "%.4f" is exact for the DS18B20's sixteenths, and the
    # field order is fixed.
    s = '{"device":"%s","seq":%d,"ts":%d,"temp":%.4f' % (device, seq, ts, temp)
    if hum is not None:
        s += ',"humidity":%.1f' % hum
    return s + "}"


class Link:
    """Wi-Fi and MQTT, reconnected with a backoff from 0.5 s to 30 s."""

    def __init__(self, client_id):
        self.wlan = network.WLAN(network.STA_IF)
        self.wlan.active(True)
        self.client_id = client_id
        self.mqtt = None
        self.backoff = 500
        self.next_try = time.ticks_ms()
        self.synced = False

    def up(self):
        if self.mqtt is not None:
            return True
        if time.ticks_diff(time.ticks_ms(), self.next_try) < 0:
            return False
        try:
            if not self.wlan.isconnected():
                self.wlan.connect(config.WIFI_SSID, config.WIFI_PASSWORD)
                for _ in range(100):
                    if self.wlan.isconnected():
                        break
                    time.sleep_ms(100)
                else:
                    raise OSError("Wi-Fi %s not joined" % config.WIFI_SSID)
            if not self.synced:
                ntptime.settime()
                self.synced = True
            m = MQTTClient(self.client_id, config.BROKER, config.PORT, config.USER, config.PASSWORD, keepalive=60)
            m.connect()
            self.mqtt = m
            self.backoff = 500
            log("connected to %s:%d" % (config.BROKER, config.PORT))
            return True
        except Exception as e:  # OSError, MQTTException
            log("connect failed:", repr(e))
            self.next_try = time.ticks_add(time.ticks_ms(), self.backoff)
            self.backoff = min(self.backoff * 2, 30000)
            return False

    def down(self, why):
        log("disconnected:", repr(why))
        try:
            self.mqtt.disconnect()
        except Exception:
            pass
        self.mqtt = None
        self.next_try = time.ticks_add(time.ticks_ms(), self.backoff)


def main():
    device = config.DEVICE or "mp-" + "".join("%02x" % b for b in machine.unique_id())
    topic = "%s/%s/%s/telemetry" % (config.PREFIX, config.SITE, device)
    seq = Seq(config.SEQ_FILE)
    sensor = Sensor()
    link = Link("eddy-" + device)
    pending = []  # payloads not yet acknowledged, oldest first
    taken = sent = dropped = 0
    next_read = time.ticks_ms()
    while True:
        done = config.COUNT and taken >= config.COUNT
        if done and not pending:
            break
        if not done and time.ticks_diff(time.ticks_ms(), next_read) >= 0:
            next_read = time.ticks_add(next_read, config.INTERVAL_MS)
            if unix_ms() < CLOCK_SET_MS:
                link.up()  # NTP comes with the network
            else:
                temp, hum = sensor.read()
                pending.append(payload(device, seq.take(), unix_ms(), temp, hum))
                taken += 1
                if len(pending) > config.BUFFER:
                    pending.pop(0)
                    dropped += 1
        while pending and link.up():
            try:
                link.mqtt.publish(topic, pending[0], qos=1)  # returns after the PUBACK
            except Exception as e:
                link.down(e)
                break
            pending.pop(0)
            sent += 1
            if time.ticks_diff(time.ticks_ms(), next_read) >= 0:
                break  # time for the next reading
        wait = time.ticks_diff(next_read, time.ticks_ms())
        if wait > 0 and not done:
            time.sleep_ms(min(wait, 100) if pending else wait)
        elif done and pending:
            time.sleep_ms(100)
    if link.mqtt is not None:
        link.mqtt.disconnect()
    log("%d readings taken, %d acknowledged, %d dropped" % (taken, sent, dropped))


main()
