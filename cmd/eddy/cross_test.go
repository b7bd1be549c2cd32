package main

import (
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eddy-iot/eddy/internal/testenv"
)

// TestCrossBinariesStart runs the binaries `make cross` writes to dist/ under
// qemu user emulation (Debian's qemu-user-static), so the ARM builds are
// proven to start, not only to compile. `make test` builds them first. Each
// runs on the oldest CPU of its class that we target, so an instruction too new
// for it is caught (SIGILL): the armv7 binary does die on the arm1176.
func TestCrossBinariesStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ARM binaries under qemu: not under -short")
	}
	ci := testenv.CI()
	missing := func(t *testing.T, format string, args ...any) {
		t.Helper()
		if ci {
			t.Fatalf(format+" (CI=true: run `make test`, which runs `make cross` and scripts/testenv.sh installs qemu-user-static)", args...)
		}
		t.Skipf(format+" (run `make cross`; `apt-get install qemu-user-static`)", args...)
	}
	dist := filepath.Join("..", "..", "dist")
	cases := []struct {
		bin     string
		qemu    string // "" runs natively (on amd64 hosts)
		cpu     string // qemu -cpu
		machine elf.Machine
		want    string
	}{
		// Raspberry Pi 1 and Zero.
		{"eddy-linux-armv6", "qemu-arm-static", "arm1176", elf.EM_ARM, "linux/arm GOARM=6"},
		// Raspberry Pi 2 and most 32-bit gateways.
		{"eddy-linux-armv7", "qemu-arm-static", "cortex-a7", elf.EM_ARM, "linux/arm GOARM=7"},
		// Raspberry Pi 3, the oldest common 64-bit ARM core.
		{"eddy-linux-arm64", "qemu-aarch64-static", "cortex-a53", elf.EM_AARCH64, "linux/arm64"},
		{"eddy-linux-amd64", "", "", elf.EM_X86_64, "linux/amd64"},
	}
	for _, tc := range cases {
		t.Run(tc.bin, func(t *testing.T) {
			bin, err := filepath.Abs(filepath.Join(dist, tc.bin))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(bin); err != nil {
				missing(t, "%s not built", bin)
			}
			checkStaticELF(t, bin, tc.machine)
			argv := []string{bin, "version"}
			if tc.qemu != "" {
				q, err := exec.LookPath(tc.qemu)
				if err != nil {
					missing(t, "%s not installed", tc.qemu)
				}
				argv = append([]string{q, "-cpu", tc.cpu}, argv...)
			} else if tc.machine != hostMachine() {
				t.Skipf("%s is not this host's architecture", tc.bin)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
			}
			if s := string(out); !strings.HasPrefix(s, "eddy ") || !strings.Contains(s, " "+tc.want) {
				t.Fatalf("`%s version` printed %q, want it to name %q", tc.bin, s, tc.want)
			}
		})
	}
}

// checkStaticELF checks the binary's architecture and that it has no dynamic
// loader (PT_INTERP): gateways may lack the libc it would need.
func checkStaticELF(t *testing.T, path string, machine elf.Machine) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	if f.Machine != machine {
		t.Fatalf("%s: ELF machine %v, want %v", path, f.Machine, machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked (has PT_INTERP)", path)
		}
	}
}

func hostMachine() elf.Machine {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return elf.EM_NONE
	}
	defer f.Close()
	return f.Machine
}
