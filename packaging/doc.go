// Package packaging holds the Debian packages of eddy: no Go code, only the
// files the packages carry and the test that builds and inspects them.
//
// # Layout
//
//   - root/: the file tree installed as is: /etc/eddy (agent.yaml,
//     aggregator.yaml, pipelines/telemetry.sql, all conffiles), the systemd
//     units and the sysusers.d entry of the eddy user.
//   - debian/: the maintainer scripts (postinst creates the eddy user, gives
//     the eddy group read access to the configuration and creates
//     /var/lib/eddy; no service is enabled or started on a first install).
//   - build-deb.sh ARCH BINARY VERSION OUTDIR: one .deb with dpkg-deb, every
//     file owned by root. `make deb` builds amd64, arm64 and armhf (armv7)
//     from `make cross`.
//
// # Tests
//
// TestDefaultConfigs loads the shipped configurations with the agent's and
// the aggregator's loaders and compiles their SQL; TestDebPackages (not with
// -short) builds the three packages, checks their control fields, files,
// modes, owners, conffiles and binaries, and runs systemd-analyze verify on
// the units; TestPostinst runs the postinst against recording stand-ins for
// the commands it calls. With CI=true a missing tool (dpkg-deb,
// systemd-analyze) fails the test instead of skipping it.
package packaging
