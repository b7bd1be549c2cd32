#pragma once
#include "Arduino.h"

class Preferences {
public:
	bool begin(const char *, bool) { return true; }
	uint32_t getULong(const char *, uint32_t def) { return def; }
	size_t putULong(const char *, uint32_t) { return 4; }
};
