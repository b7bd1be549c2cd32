// Package agent is the edge composition root behind `eddy agent` and
// `eddy run`: it reads the configuration, opens the bbolt store, connects to
// MQTT, compiles the SQL pipelines to window operators, runs the batch loop
// (ingest → engine → one durable commit → MQTT acks) and the forwarder, and
// serves status and metrics over HTTP.
package agent
