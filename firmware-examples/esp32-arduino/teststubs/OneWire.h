#pragma once
#include "Arduino.h"

class OneWire {
public:
	explicit OneWire(uint8_t) {}
};
