// Package testenv hands tests the real brokers that scripts/testenv.sh starts:
// a Mosquitto and an Apache Kafka (KRaft), both on loopback ports.
//
// # Shared brokers
//
// `make test` runs `scripts/testenv.sh run -- go test ./...`: the script starts
// one Mosquitto and one Kafka for the whole run and exports their addresses in
// EDDY_TEST_* variables. [MQTT], [Kafka] and the other getters read them. Every
// package's tests run against the same two brokers, in parallel (go test runs
// packages concurrently), so a test must use its own topics ([TopicName]) and
// client ids, and must never stop or reconfigure a shared broker.
//
// # When the brokers are missing
//
// Every getter decides the same way: under -short it skips (broker tests are
// not unit tests); when the variable is set it returns it; otherwise with CI=true
// it fails the test, because CI must never pass with broker tests silently
// skipped; otherwise (a plain `go test` on a laptop) it skips with a hint.
//
// # Private brokers for fault tests
//
// [PrivateKafka] and [PrivateMosquitto] start a broker of the test's own, with
// its own ports and data directory, that the test may [Broker.Stop],
// [Broker.Kill], [Broker.Start] and [Broker.Restart] at will: data, ports and
// credentials survive restarts, so clients reconnect to the same address. It is
// killed and removed in t.Cleanup. Its directory lives under the run's state
// directory, so `scripts/testenv.sh run` kills it even if the test binary dies.
// A private Kafka costs about 4 s to start and 512 MB of heap: use one only
// where a test must stop or restart the broker.
//
// # Caveats
//
// The credentials and certificates are test-only and public (see
// scripts/testenv.sh). Librdkafka before 2.6.1, which Debian 12's kcat uses,
// cannot authenticate with SCRAM against Kafka 4: use PLAIN with kcat.
package testenv
