# config.py: the settings of main.py. Copy both files to the board
# (mpremote cp config.py main.py :) after filling in the network and broker.
WIFI_SSID = "your-ssid"
WIFI_PASSWORD = "your-password"

BROKER = "192.168.1.10"  # the gateway's Mosquitto
PORT = 1883
USER = None  # MQTT username and password, if the broker wants them
PASSWORD = None

PREFIX = "sensors"  # topic: <PREFIX>/<SITE>/<DEVICE>/telemetry
SITE = "s00"
DEVICE = None  # None: "mp-" and the chip's unique id in hex

DS18B20_PIN = 4  # GPIO of the DS18B20's data line (4.7 kOhm pull-up to 3.3 V)
DS18B20_CONVERSION_MS = 750  # 750 at 12 bits, the default resolution
DHT22_PIN = None  # GPIO of a DHT22 for humidity, or None

INTERVAL_MS = 10000  # time between readings
BUFFER = 100  # readings kept while offline; the oldest is dropped beyond
COUNT = 0  # stop after this many readings (0: run for ever)
SEQ_FILE = "seq"  # where sequence numbers are reserved, in the board's flash
