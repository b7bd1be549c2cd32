/*
 * eddy-sensor: a temperature sensor on embedded Linux publishing to Eddy.
 *
 * Reads a temperature from a sysfs file (a DS18B20 through the w1-therm
 * driver, or a thermal zone), and publishes one JSON object per reading over
 * MQTT with libmosquitto:
 *
 *   topic   sensors/<site>/<device>/telemetry
 *   payload {"device":"gw-7","seq":1042,"ts":1732406416123,"temp":21.437}
 *
 * seq counts up across restarts (see "Sequence numbers" below) so the agent
 * drops every duplicate exactly; ts is the system clock in Unix ms (keep it
 * set with NTP: systemd-timesyncd, chrony). Readings wait in a ring buffer
 * until the broker has acknowledged them (QoS 1), so a broker or network
 * outage loses nothing as long as it is shorter than the ring (256 readings);
 * on reconnect the unacknowledged readings are sent again, oldest first, and
 * the agent drops those the broker already had.
 *
 * Build:  gcc -O2 -Wall -o eddy-sensor eddy-sensor.c -lmosquitto
 * Run:    ./eddy-sensor -h broker.local -s berlin -d boiler-1
 *         ./eddy-sensor -h 127.0.0.1 -p 1883 -f /tmp/temp -i 100 -n 50 -S /tmp/seq
 * See README.md for every flag.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RING 256         /* readings kept until acknowledged */
#define PAYLOAD_MAX 192  /* bytes of one JSON payload */
#define SEQ_BLOCK 1000   /* sequence numbers reserved per write of the state file */
#define MIN_VALID_MS 1577836800000LL /* 2020-01-01: below this the clock is not set */

struct entry {
	long long seq;
	int mid; /* MQTT message id while in flight, 0 when not sent since the last connect */
	char payload[PAYLOAD_MAX];
};

static struct {
	const char *host, *site, *device, *prefix, *sensor, *state, *cafile, *user;
	int port, qos, verbose;
	long interval_ms;
	long long count; /* readings to take, 0 for ever */
} cfg = {
	.host = "localhost", .site = "s00", .prefix = "sensors",
	.state = "/var/lib/eddy-sensor/seq", .port = 1883, .qos = 1, .interval_ms = 10000,
};

static struct entry ring[RING];
static int head, n;               /* oldest entry and number of entries */
static long long next_seq, reserved; /* next sequence number; first one not reserved */
static long long taken, acked, dropped;
static int connected;
static volatile sig_atomic_t stopping;
static char topic[256], device_buf[64];

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("eddy-sensor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static long long now_ms(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sequence numbers: the state file holds the first number not yet reserved.
 * At start, and whenever the reserved block is used up, the program reserves
 * the next SEQ_BLOCK numbers by writing the file (write, fsync, rename), so
 * the flash sees one write per SEQ_BLOCK readings and a restart, even a power
 * cut, continues above every number ever sent. The gap it leaves is harmless:
 * the agent only needs numbers that never repeat.
 */
static int reserve_block(void)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp", cfg.state);
	long long upto = next_seq + SEQ_BLOCK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		logf_("state file %s: %s (create its directory, or pass -S)", tmp, strerror(errno));
		return -1;
	}
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%lld\n", upto);
	if (write(fd, buf, len) != len || fsync(fd) != 0) {
		logf_("state file %s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (rename(tmp, cfg.state) != 0) {
		logf_("state file %s: %s", cfg.state, strerror(errno));
		return -1;
	}
	reserved = upto;
	return 0;
}

static int load_seq(void)
{
	FILE *f = fopen(cfg.state, "r");
	long long v = 1;
	if (f) {
		if (fscanf(f, "%lld", &v) != 1 || v < 1) {
			logf_("state file %s: not a sequence number; remove it to start from 1", cfg.state);
			fclose(f);
			return -1;
		}
		fclose(f);
	} else if (errno != ENOENT) {
		logf_("state file %s: %s", cfg.state, strerror(errno));
		return -1;
	}
	next_seq = v;
	return reserve_block();
}

/*
 * read_millidegrees reads the sensor file: a number of millidegrees Celsius
 * (w1-therm's "temperature", a thermal zone's "temp"), or the older
 * two-line "w1_slave" format ending in "t=21437". It fails on a CRC error.
 */
static int read_millidegrees(long *out)
{
	char buf[256];
	FILE *f = fopen(cfg.sensor, "r");
	if (!f)
		return -1;
	size_t len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = 0;
	if (strstr(buf, "crc=") && !strstr(buf, "YES"))
		return -1;
	char *p = strstr(buf, "t=");
	p = p ? p + 2 : buf;
	char *end;
	errno = 0;
	long v = strtol(p, &end, 10);
	if (end == p || errno)
		return -1;
	*out = v;
	return 0;
}

/* take_reading appends one reading to the ring, dropping the oldest if full. */
static void take_reading(void)
{
	long md;
	if (read_millidegrees(&md) != 0) {
		logf_("sensor %s: no reading (%s)", cfg.sensor, errno ? strerror(errno) : "bad content");
		return;
	}
	long long ts = now_ms(CLOCK_REALTIME);
	if (next_seq >= reserved && reserve_block() != 0)
		return; /* never send a number that a restart could send again */
	if (n == RING) {
		head = (head + 1) % RING;
		n--;
		dropped++;
	}
	struct entry *e = &ring[(head + n) % RING];
	n++;
	e->seq = next_seq++;
	e->mid = 0;
	/* Millidegrees written as a decimal, so no float rounding on the way. */
	snprintf(e->payload, sizeof e->payload,
		 "{\"device\":\"%s\",\"seq\":%lld,\"ts\":%lld,\"temp\":%s%ld.%03ld}", cfg.device, e->seq, ts,
		 md < 0 ? "-" : "", labs(md) / 1000, labs(md) % 1000);
	taken++;
	if (cfg.verbose && !connected)
		logf_("read seq %lld offline, %d waiting", e->seq, n);
}

/* send_pending publishes every entry not sent since the last connect. */
static void send_pending(struct mosquitto *m)
{
	for (int i = 0; i < n && connected; i++) {
		struct entry *e = &ring[(head + i) % RING];
		if (e->mid != 0)
			continue;
		int rc = mosquitto_publish(m, &e->mid, topic, (int)strlen(e->payload), e->payload, cfg.qos, false);
		if (rc != MOSQ_ERR_SUCCESS) {
			e->mid = 0;
			logf_("publish: %s", mosquitto_strerror(rc));
			return;
		}
		if (cfg.verbose)
			logf_("sent seq %lld", e->seq);
		if (cfg.qos == 0) /* no acknowledgement will come */
			e->mid = -1;
	}
	if (cfg.qos == 0) {
		while (n > 0 && ring[head].mid == -1) {
			head = (head + 1) % RING;
			n--;
			acked++;
		}
	}
}

static void on_connect(struct mosquitto *m, void *ud, int rc)
{
	(void)ud;
	if (rc != 0) {
		logf_("broker refused the connection: %s", mosquitto_connack_string(rc));
		return;
	}
	logf_("connected to %s:%d, %d readings waiting", cfg.host, cfg.port, n);
	connected = 1;
	for (int i = 0; i < n; i++) /* in flight before the outage: send again */
		ring[(head + i) % RING].mid = 0;
	send_pending(m);
}

static void on_disconnect(struct mosquitto *m, void *ud, int rc)
{
	(void)m, (void)ud;
	if (connected)
		logf_("disconnected (%s)", rc == 0 ? "on request" : mosquitto_strerror(rc));
	connected = 0;
}

/* on_publish: the broker acknowledged mid. Drop acknowledged entries from
 * the front; PUBACKs come in order, but a stray one is simply marked. */
static void on_publish(struct mosquitto *m, void *ud, int mid)
{
	(void)m, (void)ud;
	for (int i = 0; i < n; i++) {
		struct entry *e = &ring[(head + i) % RING];
		if (e->mid == mid) {
			e->mid = -1;
			break;
		}
	}
	while (n > 0 && ring[head].mid == -1) {
		if (cfg.verbose)
			logf_("acked seq %lld", ring[head].seq);
		head = (head + 1) % RING;
		n--;
		acked++;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *default_sensor(void)
{
	static char path[4096];
	glob_t g;
	if (glob("/sys/bus/w1/devices/28-*/temperature", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(path, sizeof path, "%s", g.gl_pathv[0]);
		globfree(&g);
		return path;
	}
	return "/sys/class/thermal/thermal_zone0/temp";
}

static void usage(void)
{
	fprintf(stderr,
		"usage: eddy-sensor [-h host] [-p port] [-s site] [-d device] [-P prefix] [-f sensor-file]\n"
		"                   [-i interval-ms] [-n count] [-S state-file] [-q qos] [-u user] [-c cafile] [-v]\n"
		"The password comes from $EDDY_MQTT_PASSWORD. See README.md.\n");
}

int main(int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "h:p:s:d:P:f:i:n:S:q:u:c:v")) != -1) {
		switch (opt) {
		case 'h': cfg.host = optarg; break;
		case 'p': cfg.port = atoi(optarg); break;
		case 's': cfg.site = optarg; break;
		case 'd': cfg.device = optarg; break;
		case 'P': cfg.prefix = optarg; break;
		case 'f': cfg.sensor = optarg; break;
		case 'i': cfg.interval_ms = atol(optarg); break;
		case 'n': cfg.count = atoll(optarg); break;
		case 'S': cfg.state = optarg; break;
		case 'q': cfg.qos = atoi(optarg); break;
		case 'u': cfg.user = optarg; break;
		case 'c': cfg.cafile = optarg; break;
		case 'v': cfg.verbose = 1; break;
		default: usage(); return 2;
		}
	}
	if (optind < argc || cfg.port <= 0 || cfg.interval_ms <= 0 || cfg.count < 0 || cfg.qos < 0 || cfg.qos > 1) {
		usage();
		fprintf(stderr, "eddy-sensor: port and interval must be positive, count >= 0, qos 0 or 1\n");
		return 2;
	}
	if (!cfg.device) {
		if (gethostname(device_buf, sizeof device_buf) != 0)
			snprintf(device_buf, sizeof device_buf, "linux");
		device_buf[sizeof device_buf - 1] = 0;
		cfg.device = device_buf;
	}
	/* The device goes into a topic level and a JSON string unescaped. */
	if (strpbrk(cfg.device, "/+#\"\\") || strpbrk(cfg.site, "/+#")) {
		fprintf(stderr, "eddy-sensor: device and site must not contain / + # \" or \\\n");
		return 2;
	}
	if (!cfg.sensor)
		cfg.sensor = default_sensor();
	snprintf(topic, sizeof topic, "%s/%s/%s/telemetry", cfg.prefix, cfg.site, cfg.device);
	if (load_seq() != 0)
		return 1;

	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	mosquitto_lib_init();
	char client_id[96];
	snprintf(client_id, sizeof client_id, "eddy-sensor-%s", cfg.device);
	struct mosquitto *m = mosquitto_new(client_id, true, NULL);
	if (!m) {
		logf_("mosquitto_new: %s", strerror(errno));
		return 1;
	}
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_disconnect_callback_set(m, on_disconnect);
	mosquitto_publish_callback_set(m, on_publish);
	if (cfg.user)
		mosquitto_username_pw_set(m, cfg.user, getenv("EDDY_MQTT_PASSWORD"));
	if (cfg.cafile) {
		int rc = mosquitto_tls_set(m, cfg.cafile, NULL, NULL, NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			logf_("TLS with %s: %s", cfg.cafile, mosquitto_strerror(rc));
			return 1;
		}
	}

	long long next_read = now_ms(CLOCK_MONOTONIC), next_connect = next_read;
	long backoff = 500; /* ms, doubled up to 30 s after each failed attempt */
	int have_socket = 0, warned_clock = 0;
	long long stop_deadline = 0;
	while (1) {
		long long now = now_ms(CLOCK_MONOTONIC);
		if (stopping && !stop_deadline)
			stop_deadline = now + 5000; /* a few seconds to deliver what is buffered */
		int done_reading = stopping || (cfg.count && taken >= cfg.count);
		if (done_reading && (n == 0 || (stop_deadline && now >= stop_deadline)))
			break;
		if (!done_reading && now >= next_read) {
			if (now_ms(CLOCK_REALTIME) < MIN_VALID_MS) {
				if (!warned_clock++)
					logf_("the clock is not set (before 2020); waiting for NTP before reading");
			} else {
				take_reading();
			}
			next_read += cfg.interval_ms;
			if (next_read < now) /* fell behind (suspend, slow sensor): do not catch up in a burst */
				next_read = now + cfg.interval_ms;
		}
		if (!have_socket && now >= next_connect) {
			int rc = mosquitto_connect(m, cfg.host, cfg.port, 30);
			if (rc == MOSQ_ERR_SUCCESS) {
				have_socket = 1;
				backoff = 500;
			} else {
				if (cfg.verbose || backoff == 500)
					logf_("connect to %s:%d: %s; retrying", cfg.host, cfg.port,
					      rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
				next_connect = now + backoff + rand() % (backoff / 2 + 1);
				backoff = backoff < 15000 ? backoff * 2 : 30000;
			}
		}
		long wait = done_reading ? 100 : (long)(next_read - now);
		if (wait < 0)
			wait = 0;
		if (wait > 100)
			wait = 100;
		if (have_socket) {
			if (connected)
				send_pending(m);
			int rc = mosquitto_loop(m, (int)wait, 1);
			if (rc != MOSQ_ERR_SUCCESS) {
				if (connected)
					logf_("connection lost: %s", mosquitto_strerror(rc));
				connected = 0;
				have_socket = 0;
				mosquitto_disconnect(m); /* closes the socket; connect again later */
				next_connect = now_ms(CLOCK_MONOTONIC) + backoff;
				backoff = backoff < 15000 ? backoff * 2 : 30000;
			}
		} else {
			struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	if (have_socket) {
		mosquitto_disconnect(m);
		mosquitto_loop(m, 100, 1);
	}
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	fprintf(stderr, "eddy-sensor: %lld readings taken, %lld acknowledged, %lld dropped (buffer full), %d unsent\n",
		taken, acked, dropped, n);
	return n == 0 && dropped == 0 ? 0 : 1;
}
