package packaging_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/eddy-iot/eddy/agent"
	"github.com/eddy-iot/eddy/aggregator"
	"github.com/eddy-iot/eddy/internal/testenv"
)

// arches are the packages: Debian architecture, the binary make cross
// writes, how to build it, and the ELF machine it must be.
var arches = []struct {
	deb, dist, goarch, goarm string
	machine                  elf.Machine
}{
	{"amd64", "eddy-linux-amd64", "amd64", "", elf.EM_X86_64},
	{"arm64", "eddy-linux-arm64", "arm64", "", elf.EM_AARCH64},
	{"armhf", "eddy-linux-armv7", "arm", "7", elf.EM_ARM},
}

// files is every path a package holds, with its mode as dpkg-deb -c prints it.
var files = map[string]string{
	"./etc/":                             "drwxr-xr-x",
	"./etc/eddy/":                        "drwxr-xr-x",
	"./etc/eddy/agent.yaml":              "-rw-r-----",
	"./etc/eddy/aggregator.yaml":         "-rw-r-----",
	"./etc/eddy/pipelines/":              "drwxr-xr-x",
	"./etc/eddy/pipelines/telemetry.sql": "-rw-r--r--",
	"./usr/":                             "drwxr-xr-x",
	"./usr/bin/":                         "drwxr-xr-x",
	"./usr/bin/eddy":                     "-rwxr-xr-x",
	"./usr/lib/":                         "drwxr-xr-x",
	"./usr/lib/systemd/":                 "drwxr-xr-x",
	"./usr/lib/systemd/system/":          "drwxr-xr-x",
	"./usr/lib/systemd/system/eddy-agent.service":      "-rw-r--r--",
	"./usr/lib/systemd/system/eddy-aggregator.service": "-rw-r--r--",
	"./usr/lib/sysusers.d/":                            "drwxr-xr-x",
	"./usr/lib/sysusers.d/eddy.conf":                   "-rw-r--r--",
	"./usr/share/":                                     "drwxr-xr-x",
	"./usr/share/doc/":                                 "drwxr-xr-x",
	"./usr/share/doc/eddy/":                            "drwxr-xr-x",
	"./usr/share/doc/eddy/CONFIG.md":                   "-rw-r--r--",
	"./usr/share/doc/eddy/DEPLOY.md":                   "-rw-r--r--",
	"./usr/share/doc/eddy/OPERATIONS.md":               "-rw-r--r--",
	"./usr/share/doc/eddy/QUICKSTART.md":               "-rw-r--r--",
}

var conffiles = []string{"/etc/eddy/agent.yaml", "/etc/eddy/aggregator.yaml", "/etc/eddy/pipelines/telemetry.sql"}

// need returns the path of tool; without it the test is skipped, or fails
// under CI=true.
func need(t *testing.T, tool, install string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	testenv.NeedTool(t, err == nil, tool, "install it with "+install)
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// TestDefaultConfigs: the shipped configurations load with the real loaders
// and their SQL compiles, so a first start fails on nothing but the network.
func TestDefaultConfigs(t *testing.T) {
	ac, err := agent.LoadConfig("root/etc/eddy/agent.yaml")
	if err != nil {
		t.Fatalf("agent.yaml: %v", err)
	}
	if ac.DataDir != "/var/lib/eddy" {
		t.Errorf("agent data_dir %q, want /var/lib/eddy (the units' StateDirectory)", ac.DataDir)
	}
	if !agent.IsLoopback(ac.HTTP.Addr) {
		t.Errorf("agent http.addr %q: the default must stay on loopback (no token)", ac.HTTP.Addr)
	}
	s := ac.Settings(nil, io.Discard)
	if len(s.Programs) == 0 {
		t.Fatal("agent.yaml runs no pipeline")
	}
	if _, err := agent.Compile(s.Programs); err != nil {
		t.Errorf("agent.yaml pipelines: %v", err)
	}
	gc, err := aggregator.LoadConfig("root/etc/eddy/aggregator.yaml")
	if err != nil {
		t.Fatalf("aggregator.yaml: %v", err)
	}
	if gc.DataDir != "/var/lib/eddy" {
		t.Errorf("aggregator data_dir %q, want /var/lib/eddy", gc.DataDir)
	}
	if !aggregator.IsLoopback(gc.HTTP.Addr) {
		t.Errorf("aggregator http.addr %q: the default must stay on loopback", gc.HTTP.Addr)
	}
	if err := aggregator.CheckViews(gc); err != nil {
		t.Errorf("aggregator.yaml views: %v", err)
	}
}

// unit reads a unit file as key → values (a key may repeat).
func unit(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			u[k] = append(u[k], v)
		}
	}
	return u
}

// TestUnits: the units run the binary the package installs on the
// configuration it installs, as the eddy user, with the state directory
// and the hardening the deployment guide promises.
func TestUnits(t *testing.T) {
	for _, c := range []struct{ name, exec string }{
		{"eddy-agent.service", "/usr/bin/eddy agent --config /etc/eddy/agent.yaml"},
		{"eddy-aggregator.service", "/usr/bin/eddy aggregator --config /etc/eddy/aggregator.yaml"},
	} {
		u := unit(t, filepath.Join("root/usr/lib/systemd/system", c.name))
		want := map[string]string{
			"ExecStart": c.exec, "User": "eddy", "Group": "eddy", "StateDirectory": "eddy",
			"WorkingDirectory": "/var/lib/eddy", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
			"ReadWritePaths": "/var/lib/eddy", "PrivateTmp": "yes", "Restart": "on-failure",
			"RestartPreventExitStatus": "2", "WantedBy": "multi-user.target",
		}
		for k, v := range want {
			if got := u[k]; len(got) != 1 || got[0] != v {
				t.Errorf("%s: %s=%q, want %q", c.name, k, got, v)
			}
		}
	}
	u := unit(t, "root/usr/lib/systemd/system/eddy-aggregator.service")
	if got := u["ExecStartPre"]; len(got) != 1 || got[0] != "/usr/bin/eddy aggregator --config /etc/eddy/aggregator.yaml --check" {
		t.Errorf("eddy-aggregator.service: ExecStartPre=%q, want the --check of its configuration", got)
	}
}

// binary returns make cross's binary for a, or builds one.
func binary(t *testing.T, dist, goarch, goarm string) string {
	t.Helper()
	p := filepath.Join("..", "dist", dist)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	t.Logf("%s is missing (make cross): building it", p)
	out := filepath.Join(t.TempDir(), dist)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "../cmd/eddy")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOARM="+goarm)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dist, err, b)
	}
	return out
}

// TestDebPackages builds the three packages and inspects each.
func TestDebPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: building packages is slow")
	}
	dpkgDeb := need(t, "dpkg-deb", "apt-get install dpkg")
	out, trees := t.TempDir(), t.TempDir() // outlive the subtests
	var amd64Tree string
	for _, a := range arches {
		t.Run(a.deb, func(t *testing.T) {
			bin := binary(t, a.dist, a.goarch, a.goarm)
			deb := strings.TrimSpace(run(t, "./build-deb.sh", a.deb, bin, "v1.2.3-4-gabcdef", out))
			if want := filepath.Join(out, "eddy_1.2.3+4+gabcdef_"+a.deb+".deb"); deb != want {
				t.Fatalf("built %s, want %s", deb, want)
			}
			fi, err := os.Stat(deb)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %.1f MB", filepath.Base(deb), float64(fi.Size())/1e6)

			fields := map[string]string{}
			for _, l := range strings.Split(run(t, dpkgDeb, "-f", deb), "\n") {
				if k, v, ok := strings.Cut(l, ": "); ok && !strings.HasPrefix(l, " ") {
					fields[k] = v
				}
			}
			for k, v := range map[string]string{"Package": "eddy", "Version": "1.2.3+4+gabcdef", "Architecture": a.deb} {
				if fields[k] != v {
					t.Errorf("%s: %q, want %q", k, fields[k], v)
				}
			}
			for _, k := range []string{"Depends", "Pre-Depends", "Recommends"} {
				if v, ok := fields[k]; ok {
					t.Errorf("%s: %q; the binary is static, the package needs nothing", k, v)
				}
			}
			if fields["Maintainer"] == "" || fields["Installed-Size"] == "" {
				t.Errorf("Maintainer or Installed-Size missing: %v", fields)
			}

			got := map[string]string{}
			for _, l := range strings.Split(strings.TrimSpace(run(t, dpkgDeb, "-c", deb)), "\n") {
				f := strings.Fields(l)
				if len(f) < 6 {
					t.Fatalf("dpkg-deb -c line %q", l)
				}
				path := f[len(f)-1]
				if path == "./" {
					continue
				}
				if f[1] != "root/root" {
					t.Errorf("%s is owned by %s, want root/root", path, f[1])
				}
				got[path] = f[0]
			}
			for p, mode := range files {
				if got[p] != mode {
					t.Errorf("%s: mode %q, want %q", p, got[p], mode)
				}
			}
			for p := range got {
				if _, ok := files[p]; !ok {
					t.Errorf("unexpected file %s", p)
				}
			}

			ctl := t.TempDir()
			run(t, dpkgDeb, "-e", deb, ctl)
			cf, err := os.ReadFile(filepath.Join(ctl, "conffiles"))
			if err != nil {
				t.Fatal(err)
			}
			gotConf := strings.Fields(string(cf))
			sort.Strings(gotConf)
			if !slices.Equal(gotConf, conffiles) {
				t.Errorf("conffiles %q, want %q", gotConf, conffiles)
			}
			for _, s := range []string{"postinst", "prerm", "postrm"} {
				fi, err := os.Stat(filepath.Join(ctl, s))
				if err != nil || fi.Mode().Perm() != 0o755 {
					t.Errorf("%s: %v, mode %v; want an executable maintainer script", s, err, fi)
					continue
				}
				run(t, "sh", "-n", filepath.Join(ctl, s))
			}

			tree := filepath.Join(trees, a.deb)
			run(t, dpkgDeb, "-x", deb, tree)
			ef, err := elf.Open(filepath.Join(tree, "usr/bin/eddy"))
			if err != nil {
				t.Fatal(err)
			}
			defer ef.Close()
			if ef.Machine != a.machine {
				t.Errorf("usr/bin/eddy is for %v, want %v", ef.Machine, a.machine)
			}
			for _, p := range ef.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("usr/bin/eddy has a program interpreter: it is not static")
				}
			}
			if libs, _ := ef.ImportedLibraries(); len(libs) > 0 {
				t.Errorf("usr/bin/eddy needs %v: it is not static", libs)
			}
			if _, err := agent.LoadConfig(filepath.Join(tree, "etc/eddy/agent.yaml")); err != nil {
				t.Errorf("installed agent.yaml: %v", err)
			}
			if a.deb == "amd64" {
				amd64Tree = tree
			}
		})
	}
	t.Run("systemd-analyze verify", func(t *testing.T) {
		if amd64Tree == "" {
			t.Skip("no amd64 package")
		}
		verifyUnits(t, amd64Tree)
	})
}

// verifyUnits runs systemd-analyze verify on the package's units inside a
// root made of the package's tree and the host's system units (the targets
// the units name), so ExecStart= is resolved to the packaged binary. Any
// output, even a warning, fails.
func verifyUnits(t *testing.T, tree string) {
	sa := need(t, "systemd-analyze", "apt-get install systemd")
	var hostUnits string
	for _, d := range []string{"/usr/lib/systemd/system", "/lib/systemd/system"} {
		if _, err := os.Stat(filepath.Join(d, "multi-user.target")); err == nil {
			hostUnits = d
			break
		}
	}
	if hostUnits == "" {
		testenv.NeedTool(t, false, "the host's system units (multi-user.target)", "apt-get install systemd")
	}
	verify := func(root string) (string, error) {
		units := filepath.Join(root, "usr/lib/systemd/system")
		run(t, "cp", "-Rn", hostUnits+"/.", units+"/")
		cmd := exec.Command(sa, "verify", "--root="+root, "eddy-agent.service", "eddy-aggregator.service")
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	root := t.TempDir()
	run(t, "cp", "-R", tree+"/.", root+"/")
	if out, err := verify(root); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The check sees mistakes: a misspelt key is reported.
	bad := t.TempDir()
	run(t, "cp", "-R", tree+"/.", bad+"/")
	u := filepath.Join(bad, "usr/lib/systemd/system/eddy-agent.service")
	b, err := os.ReadFile(u)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(u, bytes.Replace(b, []byte("PrivateTmp="), []byte("PrivatTmp="), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _ := verify(bad); !strings.Contains(out, "PrivatTmp") {
		t.Fatalf("systemd-analyze verify did not report a misspelt key; its output:\n%s", out)
	}
}

// TestPostinst runs debian/postinst with stand-ins for every command it
// calls: on a first install it creates the eddy user and /var/lib/eddy and
// neither enables nor starts a service.
func TestPostinst(t *testing.T) {
	for _, c := range []struct {
		name    string
		tools   []string // stand-ins present besides the common ones
		args    []string
		wantLog []string
	}{
		{"sysusers", []string{"systemd-sysusers"}, []string{"configure", ""},
			[]string{"systemd-sysusers /usr/lib/sysusers.d/eddy.conf", "install -d -o eddy -g eddy -m 0750 /var/lib/eddy"}},
		{"useradd", []string{"useradd", "groupadd"}, []string{"configure", ""},
			[]string{"groupadd --system eddy", "useradd --system --gid eddy --home-dir /var/lib/eddy --no-create-home --shell /usr/sbin/nologin --comment Eddy streaming SQL eddy"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(t.TempDir(), "calls")
			stub := func(name, body string) {
				s := "#!/bin/sh\necho \"" + name + " $*\" >> " + log + "\n" + body + "\n"
				if err := os.WriteFile(filepath.Join(bin, name), []byte(s), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			stub("getent", "exit 2")            // no eddy user or group yet
			stub("dpkg-statoverride", "exit 1") // no override
			for _, n := range append([]string{"install", "chgrp", "chmod", "systemctl"}, c.tools...) {
				stub(n, "exit 0")
			}
			cmd := exec.Command("/bin/sh", append([]string{"debian/postinst"}, c.args...)...)
			cmd.Env = []string{"PATH=" + bin}
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("postinst %v: %v\n%s", c.args, err, b)
			}
			b, _ := os.ReadFile(log)
			calls := string(b)
			for _, w := range c.wantLog {
				if !strings.Contains(calls, w+"\n") {
					t.Errorf("postinst did not run %q; it ran:\n%s", w, calls)
				}
			}
			for _, l := range strings.Split(calls, "\n") {
				if strings.HasPrefix(l, "systemctl") && (strings.Contains(l, "enable") || strings.Contains(l, " start")) {
					t.Errorf("postinst ran %q on a first install", l)
				}
			}
		})
	}
	t.Run("no tool", func(t *testing.T) {
		bin := t.TempDir()
		if err := os.WriteFile(filepath.Join(bin, "getent"), []byte("#!/bin/sh\nexit 2\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("/bin/sh", "debian/postinst", "configure", "")
		cmd.Env = []string{"PATH=" + bin}
		b, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(b), "cannot create the eddy user") {
			t.Fatalf("postinst without sysusers or useradd: %v, %s; want a failure that says why", err, b)
		}
	})
}
