#!/bin/sh
# build-deb.sh ARCH BINARY VERSION OUTDIR: builds OUTDIR/eddy_<version>_<ARCH>.deb
# with dpkg-deb from BINARY (a static eddy for ARCH: amd64, arm64 or armhf),
# the tree under packaging/root/, the maintainer scripts in packaging/debian/
# and the operator docs. Every file is owned by root:root; the eddy user is
# created by postinst. `make deb` calls it for the three architectures.
set -eu

if [ $# -ne 4 ]; then
	echo "usage: $0 ARCH BINARY VERSION OUTDIR (ARCH: amd64, arm64 or armhf)" >&2
	exit 2
fi
arch=$1 bin=$2 version=$3 out=$4
case "$arch" in
amd64|arm64|armhf) ;;
*) echo "build-deb.sh: architecture $arch: use amd64, arm64 or armhf" >&2; exit 2 ;;
esac
[ -f "$bin" ] || { echo "build-deb.sh: $bin does not exist (run make cross)" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

# A Debian version starts with a digit and has no '-' without a revision:
# v1.2.3 → 1.2.3, 1.2.3-4-gabc → 1.2.3+4+gabc, a bare commit abc123 → 0.0.0+git.abc123.
v=${version#v}
v=$(printf '%s' "$v" | tr -c 'A-Za-z0-9.+~\n' '+')
case "$v" in
[0-9]*) ;;
*) v="0.0.0+git.$v" ;;
esac

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
umask 022
cp -R "$here/root/." "$tree/"
install -D -m 0755 "$bin" "$tree/usr/bin/eddy"
for d in QUICKSTART.md DEPLOY.md OPERATIONS.md CONFIG.md; do
	install -D -m 0644 "$repo/docs/$d" "$tree/usr/share/doc/eddy/$d"
done
find "$tree" -type d -exec chmod 0755 {} +
find "$tree" -type f -exec chmod 0644 {} +
chmod 0755 "$tree/usr/bin/eddy"
# Before postinst runs, the configuration is root's alone (it may hold secrets).
chmod 0640 "$tree/etc/eddy/agent.yaml" "$tree/etc/eddy/aggregator.yaml"

mkdir -p "$tree/DEBIAN"
for s in postinst prerm postrm; do
	install -m 0755 "$here/debian/$s" "$tree/DEBIAN/$s"
done
(cd "$tree" && find etc -type f | sort | sed 's|^|/|') > "$tree/DEBIAN/conffiles"
chmod 0644 "$tree/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$tree" | cut -f1)
cat > "$tree/DEBIAN/control" <<CONTROL
Package: eddy
Version: $v
Architecture: $arch
Maintainer: ${EDDY_DEB_MAINTAINER:-Eddy maintainers <eddy@eddy-iot.invalid>}
Installed-Size: $size
Section: net
Priority: optional
Homepage: https://github.com/eddy-iot/eddy
Description: streaming SQL for the IoT edge
 Eddy runs materialized views written in streaming SQL over MQTT sensor
 data on a gateway (eddy agent), keeps every bit of state in a local bbolt
 file, and forwards results through a durable outbox to Kafka, where the
 aggregator (eddy aggregator) merges the fleet's partial aggregates.
 .
 One static binary; systemd units eddy-agent and eddy-aggregator, not
 enabled until the configuration in /etc/eddy is edited.
CONTROL
chmod 0644 "$tree/DEBIAN/control"

# Reproducible: file times from SOURCE_DATE_EPOCH (dpkg-deb also reads it).
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
fi
mkdir -p "$out"
deb="$out/eddy_${v}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "$deb"
