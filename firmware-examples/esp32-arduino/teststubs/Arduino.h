// Test stubs: just enough of the Arduino core, the ESP cores and the
// libraries, with their real signatures, for g++ on the build machine to
// compile eddy-sensor.ino and run its payload formatting
// (../../esp32_arduino_test.go). Not a simulator: nothing here talks to a
// network or a sensor.
#pragma once
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

inline unsigned long millis() { return 0; }
inline void delay(unsigned long) {}

struct HardwareSerial {
	void begin(unsigned long) {}
	size_t println(const char *s) { return (size_t)fprintf(stderr, "%s\n", s); }
	size_t printf(const char *fmt, ...) __attribute__((format(printf, 2, 3))) {
		(void)fmt;
		return 0;
	}
};
inline HardwareSerial Serial;

struct Client {};
