package firmwareexamples

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestArduinoSketchCompilesAndFormats compiles eddy-sensor.ino with g++ for
// both boards (-DESP32, -DESP8266) against the stubs in
// esp32-arduino/teststubs, which give the Arduino core and the libraries
// their real signatures, with every warning an error (printf formats
// included), and runs its payload formatting. The boards' own toolchains
// are not installed here: this catches what a compiler catches and proves
// the JSON, not that the sketch runs on a chip.
func TestArduinoSketchCompilesAndFormats(t *testing.T) {
	requireTool(t, lookPath("g++"), "g++", "apt-get install g++")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	harness := `#include "` + filepath.Join(wd, "esp32-arduino/eddy-sensor/eddy-sensor.ino") + `"
int main() {
	strcpy(device, "esp32-a4cf12");
	Reading rs[] = {{1, 1732406416123LL, 343}, {1042, 1732406400005LL, -1}, {7, 1732406401000LL, 0},
		{4000000000u, 1732406401999LL, -52}, {9, 1732406402000LL, 16 * 85}};
	char buf[160];
	for (const Reading &r : rs) {
		formatPayload(buf, sizeof buf, r);
		puts(buf);
	}
	setup(); // the stubs make both run through once
	loop();
	return 0;
}
`
	want := `{"device":"esp32-a4cf12","seq":1,"ts":1732406416123,"temp":21.4375}
{"device":"esp32-a4cf12","seq":1042,"ts":1732406400005,"temp":-0.0625}
{"device":"esp32-a4cf12","seq":7,"ts":1732406401000,"temp":0.0000}
{"device":"esp32-a4cf12","seq":4000000000,"ts":1732406401999,"temp":-3.2500}
{"device":"esp32-a4cf12","seq":9,"ts":1732406402000,"temp":85.0000}
`
	for _, board := range []string{"ESP32", "ESP8266"} {
		t.Run(board, func(t *testing.T) {
			dir := t.TempDir()
			src, bin := filepath.Join(dir, "harness.cpp"), filepath.Join(dir, "harness")
			if err := os.WriteFile(src, []byte(harness), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("g++", "-std=gnu++17", "-Wall", "-Wextra", "-Werror", "-D"+board,
				"-I", filepath.Join(wd, "esp32-arduino/teststubs"), "-o", bin, src).CombinedOutput()
			if err != nil {
				t.Fatalf("g++ -D%s: %v\n%s", board, err, out)
			}
			got, err := exec.Command(bin).Output()
			if err != nil {
				t.Fatalf("harness: %v", err)
			}
			if string(got) != want {
				t.Errorf("payloads:\n%s\nwant:\n%s", got, want)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(got)), "\n") {
				checkJSONReading(t, line)
			}
		})
	}
}
