#pragma once
#include "Arduino.h"

struct EEPROMClass {
	uint8_t mem[64] = {};
	void begin(size_t) {}
	template <typename T> T &get(int at, T &t) {
		memcpy(&t, mem + at, sizeof t);
		return t;
	}
	template <typename T> const T &put(int at, const T &t) {
		memcpy(mem + at, &t, sizeof t);
		return t;
	}
	bool commit() { return true; }
};
inline EEPROMClass EEPROM;
