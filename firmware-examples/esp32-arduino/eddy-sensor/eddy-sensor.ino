// eddy-sensor: a DS18B20 on an ESP32 or ESP8266 publishing to Eddy over MQTT.
//
// Every INTERVAL_MS it reads the sensor and publishes, on
// <PREFIX>/<SITE>/<device>/telemetry,
//
//   {"device":"esp32-a4cf12","seq":1042,"ts":1732406416123,"temp":21.4375}
//
// seq never repeats, also across reboots (reserveSeq), so the agent drops
// duplicates exactly; ts is Unix ms from the clock NTP set. Readings wait in
// a ring in RAM while Wi-Fi or the broker is away and are sent, oldest
// first, after reconnecting. Libraries (Arduino Library Manager):
// PubSubClient (Nick O'Leary), OneWire, DallasTemperature. See README.md.
#if defined(ESP32)
#include <Preferences.h>
#include <WiFi.h>
#elif defined(ESP8266)
#include <EEPROM.h>
#include <ESP8266WiFi.h>
#else
#error "eddy-sensor is for the ESP32 and the ESP8266"
#endif
#include <DallasTemperature.h>
#include <OneWire.h>
#include <PubSubClient.h>
#include <sys/time.h>
#include <time.h>

// ---- settings ----
const char *WIFI_SSID = "your-ssid";
const char *WIFI_PASSWORD = "your-password";
const char *MQTT_HOST = "192.168.1.10"; // the gateway's Mosquitto
const uint16_t MQTT_PORT = 1883;
const char *MQTT_USER = nullptr; // or "user"
const char *MQTT_PASSWORD = nullptr;
const char *PREFIX = "sensors"; // topic <PREFIX>/<SITE>/<device>/telemetry
const char *SITE = "s00";
const uint8_t DS18B20_PIN = 4; // data line, 4.7 kOhm pull-up to 3.3 V
const uint32_t INTERVAL_MS = 10000;
const char *NTP_SERVER = "pool.ntp.org";

// ---- constants ----
const uint32_t SEQ_BLOCK = 1000;             // sequence numbers reserved per flash write
const int64_t CLOCK_SET_MS = 1577836800000LL; // 2020-01-01: before that NTP has not answered
const size_t RING = 64;                      // readings kept while offline (20 bytes each)

struct Reading {
	uint32_t seq;   // 4 billion: 136 years at one reading a second
	int64_t ts;     // Unix ms
	int32_t temp16; // 1/16 °C, the DS18B20's resolution
};

WiFiClient net;
PubSubClient mqtt(net);
OneWire oneWire(DS18B20_PIN);
DallasTemperature sensors(&oneWire);

char device[32], topic[128];
Reading ring[RING];
size_t head = 0, count = 0;
uint32_t nextSeq = 1, reserved = 0;
uint32_t lastRead = 0, lastAttempt = 0, backoff = 500, dropped = 0;
bool attempted = false;

// ---- sequence numbers ----
// The flash holds the first number not yet reserved. Numbers are reserved
// SEQ_BLOCK at a time, so the flash sees one write per SEQ_BLOCK readings
// and a reboot, even a power cut, continues above every number ever sent.
#if defined(ESP32)
Preferences prefs;
uint32_t loadSeq() {
	prefs.begin("eddy", false);
	return prefs.getULong("seq", 1);
}
void storeSeq(uint32_t v) { prefs.putULong("seq", v); }
#else
const uint32_t SEQ_MAGIC = 0xedd1;
uint32_t loadSeq() {
	EEPROM.begin(8);
	uint32_t magic = 0, v = 1;
	EEPROM.get(0, magic);
	if (magic == SEQ_MAGIC)
		EEPROM.get(4, v);
	return v;
}
void storeSeq(uint32_t v) {
	EEPROM.put(0, SEQ_MAGIC);
	EEPROM.put(4, v);
	EEPROM.commit();
}
#endif

void reserveSeq() {
	reserved = nextSeq + SEQ_BLOCK;
	storeSeq(reserved);
}

// ---- time ----
int64_t unixMs() {
	struct timeval tv;
	gettimeofday(&tv, nullptr);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

// ---- payload ----
// formatPayload writes the JSON object of r. The temperature is written from
// sixteenths with exact decimals (21.4375), no float formatting involved.
size_t formatPayload(char *buf, size_t size, const Reading &r) {
	int32_t t = r.temp16;
	const char *sign = t < 0 ? "-" : "";
	if (t < 0)
		t = -t;
	// ts as seconds and milliseconds: not every core's printf has %lld.
	return snprintf(buf, size, "{\"device\":\"%s\",\"seq\":%lu,\"ts\":%lu%03u,\"temp\":%s%ld.%04ld}", device,
			(unsigned long)r.seq, (unsigned long)(r.ts / 1000), (unsigned)(r.ts % 1000), sign, (long)(t / 16),
			(long)(t % 16 * 625));
}

void takeReading() {
	if (unixMs() < CLOCK_SET_MS) {
		Serial.println("eddy-sensor: waiting for NTP before reading");
		return;
	}
	sensors.requestTemperatures(); // blocks for the conversion (750 ms at 12 bits)
	float c = sensors.getTempCByIndex(0);
	if (c == DEVICE_DISCONNECTED_C) {
		Serial.println("eddy-sensor: no DS18B20 answers: check the wiring and the pull-up");
		return;
	}
	if (nextSeq >= reserved)
		reserveSeq();
	if (count == RING) { // full: drop the oldest
		head = (head + 1) % RING;
		count--;
		dropped++;
	}
	Reading &r = ring[(head + count) % RING];
	r.seq = nextSeq++;
	r.ts = unixMs();
	r.temp16 = (int32_t)lroundf(c * 16);
	count++;
}

// ---- connection ----
// connect joins Wi-Fi (the core reconnects it by itself) and the broker,
// trying again after a backoff from 0.5 s to 30 s, without blocking the
// readings for longer than one connection attempt.
void connect() {
	if (mqtt.connected() || WiFi.status() != WL_CONNECTED)
		return;
	if (attempted && millis() - lastAttempt < backoff)
		return;
	attempted = true;
	lastAttempt = millis();
	char clientId[48];
	snprintf(clientId, sizeof clientId, "eddy-%s", device);
	if (mqtt.connect(clientId, MQTT_USER, MQTT_PASSWORD)) {
		Serial.printf("eddy-sensor: connected, %u readings waiting\n", (unsigned)count);
		backoff = 500;
	} else {
		Serial.printf("eddy-sensor: MQTT connect failed (state %d), retrying\n", mqtt.state());
		backoff = backoff < 15000 ? backoff * 2 : 30000;
	}
}

// flush publishes the waiting readings, oldest first. PubSubClient publishes
// at QoS 0: a reading leaves the ring once it is written to the connection.
void flush() {
	char payload[160];
	while (count > 0 && mqtt.connected()) {
		formatPayload(payload, sizeof payload, ring[head]);
		if (!mqtt.publish(topic, payload))
			return; // the connection broke; the reading stays for the next one
		head = (head + 1) % RING;
		count--;
		mqtt.loop();
	}
}

void setup() {
	Serial.begin(115200);
	WiFi.mode(WIFI_STA); // before reading the MAC: some cores report zeros until then
	uint8_t mac[6];
	WiFi.macAddress(mac);
#if defined(ESP32)
	snprintf(device, sizeof device, "esp32-%02x%02x%02x", mac[3], mac[4], mac[5]);
#else
	snprintf(device, sizeof device, "esp8266-%02x%02x%02x", mac[3], mac[4], mac[5]);
#endif
	snprintf(topic, sizeof topic, "%s/%s/%s/telemetry", PREFIX, SITE, device);
	nextSeq = loadSeq();
	reserveSeq();
	sensors.begin();
	WiFi.setAutoReconnect(true);
	WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
	configTime(0, 0, NTP_SERVER); // UTC; SNTP keeps the clock set from now on
	mqtt.setServer(MQTT_HOST, MQTT_PORT);
	mqtt.setKeepAlive(30);
	lastRead = millis() - INTERVAL_MS;
	Serial.printf("eddy-sensor: %s on %s, next seq %lu\n", device, topic, (unsigned long)nextSeq);
}

void loop() {
	mqtt.loop();
	connect();
	if (millis() - lastRead >= INTERVAL_MS) {
		lastRead += INTERVAL_MS;
		takeReading();
	}
	flush();
	delay(10);
}
