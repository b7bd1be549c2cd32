#pragma once
#include "OneWire.h"

#define DEVICE_DISCONNECTED_C -127

class DallasTemperature {
public:
	explicit DallasTemperature(OneWire *) {}
	void begin() {}
	void requestTemperatures() {}
	float getTempCByIndex(uint8_t) { return 21.4375f; }
};
