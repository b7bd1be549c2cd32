#!/usr/bin/env bash
# testenv.sh: real Mosquitto and Kafka brokers for Eddy's tests.
#
#   scripts/testenv.sh run -- CMD...   start both brokers, run CMD with their
#                                      addresses in EDDY_TEST_* variables, stop
#                                      them (also on failure or Ctrl-C), exit
#                                      with CMD's status. `make test` uses this.
#   scripts/testenv.sh up              start a long-lived pair for manual work;
#                                      prints the env file to source
#   scripts/testenv.sh down            stop what `up` started
#   scripts/testenv.sh install         only install packages and Kafka's jars
#
# Single instances, used by internal/testenv for a test's private brokers:
#   start-kafka DIR | start-mosquitto DIR    create (first time) or restart the
#        instance living in DIR (config, data, ports kept across restarts);
#        writes DIR/env and prints it
#   stop-kafka DIR [--kill] | stop-mosquitto DIR [--kill]
#        stop it (SIGTERM, or SIGKILL with --kill); DIR is kept
#
# See scripts/README.md for the variables and the layout.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCRIPTS=$ROOT/scripts
SELF=$SCRIPTS/testenv.sh
CACHE=${EDDY_TESTENV_CACHE:-$ROOT/.cache}
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$SCRIPTS/kafka/pom.xml")
KAFKA_LIBS=$CACHE/kafka/$KAFKA_VERSION/libs
KAFKA_HEAP=${EDDY_TESTENV_KAFKA_HEAP:--Xms128m -Xmx512m}
READY_TIMEOUT=${EDDY_TESTENV_READY_TIMEOUT:-120} # seconds a broker gets to become ready

# Credentials of the test brokers. Test-only secrets on loopback listeners.
MQTT_USER=eddy
MQTT_PASS=eddy-test-pass
KAFKA_USER=eddy
KAFKA_PASS=eddy-test-pass

log() { printf 'testenv: %s\n' "$*" >&2; }
die() {
	printf 'testenv: ERROR: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- install

# need_packages prints the Debian packages whose commands are missing.
need_packages() {
	local pair cmd pkg
	for pair in mosquitto:mosquitto mosquitto_passwd:mosquitto kcat:kcat \
		qemu-arm-static:qemu-user-static qemu-aarch64-static:qemu-user-static \
		openssl:openssl java:openjdk-17-jre-headless mvn:maven \
		chromium:chromium gcc:gcc g++:g++ systemd-analyze:systemd python3:python3 node:nodejs npm:npm; do
		cmd=${pair%%:*} pkg=${pair#*:}
		if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
			echo "$pkg"
		fi
	done | sort -u
	[ -e /usr/include/mosquitto.h ] || echo libmosquitto-dev # no command: firmware-examples' C program links it
}

install_packages() {
	local missing sudo=
	missing=$(need_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null || die "missing packages ($(echo $missing)) and not root; install them with apt-get"
		sudo=sudo
	fi
	log "installing $(echo $missing) with apt-get"
	# shellcheck disable=SC2086
	(
		flock 9
		$sudo apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
	) 9>"/tmp/eddy-testenv-apt.lock" >&2 || die "apt-get install $(echo $missing) failed (see above)"
	missing=$(need_packages)
	[ -z "$missing" ] || die "still missing after apt-get: $missing"
}

# kafka_libs resolves Kafka's jars with Maven into $KAFKA_LIBS once; later
# runs only compare the pom's checksum.
install_kafka_libs() {
	local dir stamp sum
	dir=$(dirname "$KAFKA_LIBS")
	stamp=$dir/pom.sha256
	sum=$(sha256sum "$SCRIPTS/kafka/pom.xml" | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -d "$KAFKA_LIBS" ]; then
		return 0
	fi
	mkdir -p "$dir"
	(
		flock 9
		if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -d "$KAFKA_LIBS" ]; then
			exit 0
		fi
		log "resolving Kafka $KAFKA_VERSION jars with Maven (first run only)"
		rm -rf "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
		if ! mvn -q -B -f "$SCRIPTS/kafka/pom.xml" dependency:copy-dependencies \
			-DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS.tmp" >"$dir/mvn.log" 2>&1; then
			tail -n 30 "$dir/mvn.log" >&2
			die "mvn could not resolve Kafka's jars (log: $dir/mvn.log)"
		fi
		mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
		echo "$sum" >"$stamp"
	) 9>"$dir/.lock"
}

install_all() {
	install_packages
	install_kafka_libs
}

# ---------------------------------------------------------------- helpers

# port_free succeeds when nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_ports N prints N distinct free ports below the kernel's ephemeral range,
# so that no client connection can be holding them.
pick_ports() {
	local n=$1 got=() p tries=0
	while [ ${#got[@]} -lt "$n" ]; do
		tries=$((tries + 1))
		[ $tries -lt 1000 ] || die "found no free port"
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
		case " ${got[*]} " in *" $p "*) continue ;; esac
		port_free "$p" && got+=("$p")
	done
	echo "${got[*]}"
}

# alive DIR NAME: the process recorded in DIR/NAME.pid runs and is ours (its
# command line names DIR, so a recycled pid is never mistaken for it).
alive() {
	local pidf=$1/$2.pid pid
	[ -f "$pidf" ] || return 1
	pid=$(cat "$pidf")
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$1/"
}

# stop_proc DIR NAME [--kill]: SIGTERM (or SIGKILL) the instance, wait until it
# is gone; SIGKILL after 20 s.
stop_proc() {
	local dir=$1 name=$2 sig=TERM pid i
	[ "${3:-}" = --kill ] && sig=KILL
	if ! alive "$dir" "$name"; then
		rm -f "$dir/$name.pid"
		return 0
	fi
	pid=$(cat "$dir/$name.pid")
	kill -s "$sig" "$pid" 2>/dev/null || true
	for i in $(seq 200); do
		[ -d "/proc/$pid" ] || break
		# A zombie is gone for our purposes.
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
		log "$name in $dir ignored SIGTERM for 20 s: SIGKILL"
		kill -s KILL "$pid" 2>/dev/null || true
		while [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.1; done
	fi
	rm -f "$dir/$name.pid"
}

# spawn DIR NAME LOG CMD...: start CMD in the background with no inherited
# descriptors (so a caller reading our stdout is not held open) and record its
# pid. Started from a non-interactive shell it ignores SIGINT; `run` and the Go
# helper stop it explicitly.
spawn() {
	local dir=$1 name=$2 logf=$3
	shift 3
	"$@" </dev/null >>"$logf" 2>&1 &
	echo $! >"$dir/$name.pid"
	disown $! # no "Killed" notice from bash when `down` ends it
}

# fail_start DIR NAME LOG MSG: show the log's tail, stop the process, fail.
fail_start() {
	local dir=$1 name=$2 logf=$3
	shift 3
	printf 'testenv: ERROR: %s did not start: %s\n--- last lines of %s ---\n' "$name" "$*" "$logf" >&2
	tail -n 40 "$logf" >&2 || true
	echo "---" >&2
	stop_proc "$dir" "$name" --kill
	return 1
}

# ---------------------------------------------------------------- TLS

# make_tls DIR: a CA, a server certificate for 127.0.0.1/localhost and a client
# certificate, all EC P-256 in PEM (keys PKCS#8, unencrypted), made once.
make_tls() {
	local d=$1
	[ -f "$d/client.pem" ] && return 0
	mkdir -p "$d"
	(
		cd "$d"
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
		openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=eddy test CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
		openssl req -new -key server.key -subj "/CN=localhost" -out server.csr
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
			-extfile server.ext -out server.pem
		cat server.key server.pem >server-keystore.pem # Kafka's PEM keystore: key then chain
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key
		openssl req -new -key client.key -subj "/CN=eddy-test-client" -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
			-extfile client.ext -out client.pem
		rm -f ./*.csr ./*.ext ca.srl
	) >/dev/null 2>"$d/openssl.log" || {
		cat "$d/openssl.log" >&2
		die "openssl could not make the test certificates in $d"
	}
}

# ---------------------------------------------------------------- Mosquitto

mosquitto_bin() { command -v mosquitto || echo /usr/sbin/mosquitto; }

# write_mosquitto_conf DIR TLSDIR: config with three listeners on free ports:
# plain anonymous; TLS + password; TLS + client certificate + password.
write_mosquitto_conf() {
	local d=$1 tls=$2 ports p1 p2 p3
	ports=$(pick_ports 3)
	read -r p1 p2 p3 <<<"$ports"
	mkdir -p "$d/data"
	rm -f "$d/passwd"
	touch "$d/passwd"
	chmod 600 "$d/passwd"
	mosquitto_passwd -b "$d/passwd" "$MQTT_USER" "$MQTT_PASS" >/dev/null
	cat >"$d/mosquitto.conf" <<EOF
# Written by scripts/testenv.sh for one test broker; data in $d/data.
user $(id -un)
per_listener_settings true
persistence true
persistence_location $d/data/
# Save often so that even a SIGKILLed broker keeps queued QoS 1 messages.
autosave_interval 1
# Tests queue more for an offline persistent session than the default 1000.
max_queued_messages 100000
set_tcp_nodelay true
log_dest stdout
log_type error
log_type warning
log_type notice
log_type information
log_timestamp_format %Y-%m-%dT%H:%M:%S

# plain, anonymous
listener $p1 127.0.0.1
allow_anonymous true

# TLS, username and password
listener $p2 127.0.0.1
cafile $tls/ca.pem
certfile $tls/server.pem
keyfile $tls/server.key
allow_anonymous false
password_file $d/passwd

# TLS with a client certificate signed by the test CA, and username and password
listener $p3 127.0.0.1
cafile $tls/ca.pem
certfile $tls/server.pem
keyfile $tls/server.key
require_certificate true
allow_anonymous false
password_file $d/passwd
EOF
	cat >"$d/env" <<EOF
export EDDY_TEST_MQTT=tcp://127.0.0.1:$p1
export EDDY_TEST_MQTT_TLS=ssl://127.0.0.1:$p2
export EDDY_TEST_MQTT_MTLS=ssl://127.0.0.1:$p3
export EDDY_TEST_MQTT_USER=$MQTT_USER
export EDDY_TEST_MQTT_PASS=$MQTT_PASS
export EDDY_TEST_CA=$tls/ca.pem
export EDDY_TEST_CLIENT_CERT=$tls/client.pem
export EDDY_TEST_CLIENT_KEY=$tls/client.key
EOF
	echo "$p1 $p2 $p3" >"$d/ports"
}

# start_mosquitto DIR [TLSDIR]: create or restart the instance in DIR.
start_mosquitto() {
	local d=$1 tls=${2:-$1/tls} fresh=0 attempt p deadline
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	if alive "$d" mosquitto; then
		cat "$d/env"
		return 0
	fi
	[ -f "$d/mosquitto.conf" ] || fresh=1
	[ $fresh = 1 ] && make_tls "$tls"
	for attempt in 1 2 3; do
		[ $fresh = 1 ] && write_mosquitto_conf "$d" "$tls"
		spawn "$d" mosquitto "$d/mosquitto.log" "$(mosquitto_bin)" -c "$d/mosquitto.conf"
		deadline=$((SECONDS + 30))
		while :; do
			if ! alive "$d" mosquitto; then
				if [ $fresh = 1 ] && [ $attempt -lt 3 ] && grep -q 'Address already in use' "$d/mosquitto.log"; then
					log "mosquitto: a port was taken meanwhile; picking others"
					continue 2
				fi
				fail_start "$d" mosquitto "$d/mosquitto.log" "process exited"
				return 1
			fi
			local up=1
			for p in $(cat "$d/ports"); do port_free "$p" && up=0; done
			[ $up = 1 ] && break 2
			[ $SECONDS -lt $deadline ] || {
				fail_start "$d" mosquitto "$d/mosquitto.log" "ports $(cat "$d/ports") not open after 30 s"
				return 1
			}
			sleep 0.05
		done
	done
	cat "$d/env"
}

# ---------------------------------------------------------------- Kafka

# kafka_java ARGS...: exec the JVM with Kafka's class path (exec, so that the
# recorded pid is the JVM's).
kafka_java() {
	# shellcheck disable=SC2086
	exec java $KAFKA_HEAP -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
		-Dlog4j2.configurationFile="$SCRIPTS/kafka/log4j2.properties" \
		-cp "$KAFKA_LIBS/*" "$@"
}

# kafka_cluster_id prints a random Kafka Uuid (16 bytes, base64url, no
# padding; Kafka refuses ids that start with '-').
kafka_cluster_id() {
	local id
	while :; do
		id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
		[ "${id:0:1}" != - ] && break
	done
	echo "$id"
}

# write_kafka_conf DIR TLSDIR: server.properties for a single KRaft node that
# is broker and controller, all listeners on 127.0.0.1, settings for fast tests.
write_kafka_conf() {
	local d=$1 tls=$2 ports pp pc ps pss
	ports=$(pick_ports 4)
	read -r pp pc ps pss <<<"$ports"
	rm -rf "$d/data"
	mkdir -p "$d/data"
	cat >"$d/server.properties" <<EOF
# Written by scripts/testenv.sh for one test broker.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$pc
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$pp,CONTROLLER://127.0.0.1:$pc,SASL_PLAINTEXT://127.0.0.1:$ps,SASL_SSL://127.0.0.1:$pss
advertised.listeners=PLAINTEXT://127.0.0.1:$pp,SASL_PLAINTEXT://127.0.0.1:$ps,SASL_SSL://127.0.0.1:$pss
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
inter.broker.listener.name=PLAINTEXT
log.dirs=$d/data

# SASL: PLAIN (users in the JAAS line) and SCRAM (credentials stored at format time).
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_USER="$KAFKA_PASS";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_USER="$KAFKA_PASS";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$tls/server-keystore.pem

# One node: every internal topic has one replica, and few partitions so they
# are created fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
auto.create.topics.enable=true
delete.topic.enable=true
# Consumer groups start at once instead of waiting for more members.
group.initial.rebalance.delay.ms=0
# After a SIGKILL the restarted node must wait for its old registration to
# expire before it can register again (DuplicateBrokerRegistrationException):
# 4 s instead of 9. Heartbeats every 0.5 s keep a live broker well inside that.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=500
# Two cores: few threads.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.threads=1
EOF
	cat >"$d/env" <<EOF
export EDDY_TEST_KAFKA=127.0.0.1:$pp
export EDDY_TEST_KAFKA_SASL=127.0.0.1:$ps
export EDDY_TEST_KAFKA_SASL_SSL=127.0.0.1:$pss
export EDDY_TEST_KAFKA_USER=$KAFKA_USER
export EDDY_TEST_KAFKA_PASS=$KAFKA_PASS
export EDDY_TEST_KAFKA_VERSION=$KAFKA_VERSION
export EDDY_TEST_CA=$tls/ca.pem
export EDDY_TEST_CLIENT_CERT=$tls/client.pem
export EDDY_TEST_CLIENT_KEY=$tls/client.key
EOF
	echo "$pp $pc $ps $pss" >"$d/ports"
	if ! (kafka_java -XX:TieredStopAtLevel=1 kafka.tools.StorageTool format \
		--config "$d/server.properties" --cluster-id "$(kafka_cluster_id)" --ignore-formatted \
		--add-scram "SCRAM-SHA-256=[name=\"$KAFKA_USER\",password=\"$KAFKA_PASS\"]" \
		--add-scram "SCRAM-SHA-512=[name=\"$KAFKA_USER\",password=\"$KAFKA_PASS\"]") >"$d/format.log" 2>&1; then
		cat "$d/format.log" >&2
		die "kafka storage format failed in $d"
	fi
}

# kafka_ready DIR: the broker answers a metadata request listing itself.
kafka_ready() {
	local addr
	addr=$(sed -n 's/^export EDDY_TEST_KAFKA=//p' "$1/env")
	grep -q 'Kafka Server started' "$1/kafka.log" 2>/dev/null || return 1
	kcat -b "$addr" -L -m 3 2>/dev/null | grep -q '1 brokers:'
}

# kafka_warm_groups DIR: have one consumer group join, so that the broker
# creates __consumer_offsets and loads its group coordinator now. Otherwise the
# first test that joins a group gets COORDINATOR_NOT_AVAILABLE, and kafka-go
# backs off 5 s before it retries.
kafka_warm_groups() {
	local addr
	addr=$(sed -n 's/^export EDDY_TEST_KAFKA=//p' "$1/env")
	echo warm | kcat -b "$addr" -P -t eddy-testenv-warmup 2>>"$1/warmup.log" &&
		timeout 60 kcat -b "$addr" -G eddy-testenv-warmup -X auto.offset.reset=earliest -e -q \
			eddy-testenv-warmup >/dev/null 2>>"$1/warmup.log"
}

# start_kafka DIR [TLSDIR]: create or restart the instance in DIR.
start_kafka() {
	local d=$1 tls=${2:-$1/tls} fresh=0 attempt deadline
	mkdir -p "$d"
	d=$(cd "$d" && pwd)
	[ -d "$KAFKA_LIBS" ] || die "Kafka's jars are not in $KAFKA_LIBS: run '$SELF install' first"
	if alive "$d" kafka; then
		cat "$d/env"
		return 0
	fi
	[ -f "$d/server.properties" ] || fresh=1
	[ $fresh = 1 ] && make_tls "$tls"
	for attempt in 1 2 3; do
		[ $fresh = 1 ] && write_kafka_conf "$d" "$tls"
		# Each start gets its own log so that readiness is judged on this run.
		[ -f "$d/kafka.log" ] && mv "$d/kafka.log" "$d/kafka.log.prev"
		spawn "$d" kafka "$d/kafka.log" kafka_java kafka.Kafka "$d/server.properties"
		deadline=$((SECONDS + READY_TIMEOUT))
		while ! kafka_ready "$d"; do
			if ! alive "$d" kafka; then
				if [ $fresh = 1 ] && [ $attempt -lt 3 ] && grep -q 'Address already in use' "$d/kafka.log"; then
					log "kafka: a port was taken meanwhile; picking others"
					continue 2
				fi
				fail_start "$d" kafka "$d/kafka.log" "process exited"
				return 1
			fi
			[ $SECONDS -lt $deadline ] || {
				fail_start "$d" kafka "$d/kafka.log" "not ready after $READY_TIMEOUT s"
				return 1
			}
			sleep 0.2
		done
		break
	done
	if [ $fresh = 1 ] && ! kafka_warm_groups "$d"; then
		cat "$d/warmup.log" >&2
		fail_start "$d" kafka "$d/kafka.log" "a consumer group could not join within 60 s"
		return 1
	fi
	cat "$d/env"
}

# ---------------------------------------------------------------- environment

# up_state STATE: both brokers, TLS material and STATE/env.
up_state() {
	local s=$1
	case $s in *[[:space:]]*) die "state dir must have no spaces: $s" ;; esac
	install_all
	make_tls "$s/tls"
	local t0=$SECONDS
	start_mosquitto "$s/mosquitto" "$s/tls" >/dev/null
	start_kafka "$s/kafka" "$s/tls" >/dev/null
	{
		cat "$s/mosquitto/env" "$s/kafka/env" | awk '!seen[$0]++'
		echo "export EDDY_TESTENV_STATE=$s"
		echo "export EDDY_TESTENV_SCRIPT=$SELF"
	} >"$s/env"
	log "brokers ready in $((SECONDS - t0)) s: $(grep -E '_MQTT=|_KAFKA=' "$s/env" | sed 's/export //' | tr '\n' ' ')"
}

# down_state STATE: stop every instance under STATE (the shared pair and any
# private ones a test left behind) and remove STATE.
down_state() {
	local s=$1 pidf
	[ -d "$s" ] || return 0
	while IFS= read -r pidf; do
		stop_proc "$(dirname "$pidf")" "$(basename "$pidf" .pid)" --kill
	done < <(find "$s" -name '*.pid' 2>/dev/null)
	rm -rf "$s"
}

# keep_logs STATE: copy the broker logs of STATE to .cache/testenv/logs-<id>.
keep_logs() {
	local s=$1 to f
	[ -d "$s" ] || return 0
	to=$CACHE/testenv/logs-$(basename "$s")
	mkdir -p "$to"
	while IFS= read -r f; do
		cp "$f" "$to/$(echo "${f#"$s"/}" | tr / _)"
	done < <(find "$s" -name '*.log' -not -path '*/data/*' 2>/dev/null)
	log "command failed; broker logs kept in $to"
}

new_state() {
	mkdir -p "${TMPDIR:-/tmp}"
	mktemp -d "${TMPDIR:-/tmp}/eddy-testenv.XXXXXX"
}

CURRENT=$CACHE/testenv/current # `up` records its state dir here

cmd_up() {
	local s
	if [ -f "$CURRENT" ]; then
		s=$(cat "$CURRENT")
		if alive "$s/mosquitto" mosquitto && alive "$s/kafka" kafka; then
			log "already up; source $s/env"
			echo "$s/env"
			return 0
		fi
		down_state "$s"
	fi
	s=$(new_state)
	trap 'down_state "$s"' EXIT
	up_state "$s"
	trap - EXIT
	mkdir -p "$(dirname "$CURRENT")"
	echo "$s" >"$CURRENT"
	log "up; to use it: source $s/env"
	echo "$s/env"
}

cmd_down() {
	[ -f "$CURRENT" ] || {
		log "nothing is up"
		return 0
	}
	down_state "$(cat "$CURRENT")"
	rm -f "$CURRENT"
	log "down"
}

cmd_run() {
	[ "${1:-}" = -- ] && shift
	[ $# -gt 0 ] || die "usage: $0 run -- CMD..."
	local rc
	# state is global: the EXIT trap below reads it after cmd_run has returned.
	state=$(new_state)
	# Stop the brokers whatever happens; a signal ends the run with 128+n.
	# After a failure keep the brokers' logs for a look.
	trap 'rc=$?; [ $rc = 0 ] || keep_logs "$state"; down_state "$state"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	up_state "$state"
	set +e
	(
		# shellcheck disable=SC1091
		. "$state/env"
		"$@"
	)
	rc=$?
	set -e
	exit $rc
}

main() {
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case $cmd in
	run) cmd_run "$@" ;;
	up) cmd_up ;;
	down) cmd_down ;;
	install) install_all ;;
	start-kafka)
		[ $# -ge 1 ] || die "usage: $0 start-kafka DIR [TLSDIR]"
		install_packages
		start_kafka "$@"
		;;
	start-mosquitto)
		[ $# -ge 1 ] || die "usage: $0 start-mosquitto DIR [TLSDIR]"
		install_packages
		start_mosquitto "$@"
		;;
	stop-kafka)
		[ $# -ge 1 ] || die "usage: $0 stop-kafka DIR [--kill]"
		stop_proc "$(cd "$1" && pwd)" kafka "${2:-}"
		;;
	stop-mosquitto)
		[ $# -ge 1 ] || die "usage: $0 stop-mosquitto DIR [--kill]"
		stop_proc "$(cd "$1" && pwd)" mosquitto "${2:-}"
		;;
	*)
		sed -n '2,/^set -e/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

main "$@"
