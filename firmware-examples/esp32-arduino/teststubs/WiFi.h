#pragma once
#include "Arduino.h"

enum wl_status_t { WL_IDLE_STATUS = 0, WL_CONNECTED = 3 };
enum wifi_mode_t { WIFI_OFF = 0, WIFI_STA = 1 };

struct WiFiClient : Client {};

struct WiFiClass {
	bool mode(wifi_mode_t) { return true; }
	uint8_t *macAddress(uint8_t *mac) {
		memset(mac, 0, 6);
		return mac;
	}
	wl_status_t status() { return WL_CONNECTED; }
	bool setAutoReconnect(bool) { return true; }
	wl_status_t begin(const char *, const char *) { return WL_IDLE_STATUS; }
};
inline WiFiClass WiFi;

inline void configTime(long, int, const char *, const char * = nullptr, const char * = nullptr) {}
