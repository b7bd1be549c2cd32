package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"go.yaml.in/yaml/v3"

	"github.com/eddy-iot/eddy/internal/fleetdoc"
	"github.com/eddy-iot/eddy/internal/mqttconn"
)

func init() {
	register("config", "fleet configuration: keygen, sign, push, status (docs/FLEET-CONFIG.md)", runConfig)
}

const configUsage = `Usage:
  eddy config keygen [-out NAME]                      write NAME.key (private, 0600) and NAME.pub; print the
                                                      public key for the agents' control.trusted_keys
  eddy config sign --key NAME.key [-version N] [-agent ID] [-o OUT] FILE.yaml
                                                      sign a configuration (YAML: agent, version, comment,
                                                      pipelines with name and sql or file); JSON to OUT or stdout
  eddy config push --broker URL (--agent ID | --fleet) [-timeout 60s] FILE.json
                                                      publish a signed document (retained) and wait for the
                                                      agent's answer; exit 1 if rejected or no answer
  eddy config status --broker URL [--agent ID] [-wait 2s] [-json]
                                                      print the retained status of one or every agent
Connection flags of push and status: -prefix, -username (password from EDDY_MQTT_PASSWORD), -ca-file,
-cert-file, -key-file, -client-id.
`

func runConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, configUsage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, configUsage)
		return 0
	case "keygen":
		return configKeygen(args[1:], stdout, stderr)
	case "sign":
		return configSign(args[1:], stdout, stderr)
	case "push":
		return configPush(args[1:], stdout, stderr)
	case "status":
		return configStatus(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "eddy config: unknown subcommand %q\n%s", args[0], configUsage)
	return 2
}

func configKeygen(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("config keygen", "[-out NAME]", stderr)
	out := fs.String("out", "fleet", "write NAME.key and NAME.pub")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	pub, priv, err := fleetdoc.GenerateKey()
	if err != nil {
		fmt.Fprintf(stderr, "eddy config keygen: %v\n", err)
		return 1
	}
	keyFile := *out + ".key"
	f, err := os.OpenFile(keyFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "eddy config keygen: %v (remove it first to replace the key)\n", err)
		return 1
	}
	if _, err := f.Write(priv); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "eddy config keygen: %v\n", err)
		return 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "eddy config keygen: %v\n", err)
		return 1
	}
	line := fleetdoc.FormatPublicKey(pub)
	if err := os.WriteFile(*out+".pub", []byte(line+"\n"), 0o644); err != nil {
		fmt.Fprintf(stderr, "eddy config keygen: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "private key: %s (keep it off the gateways)\npublic key:  %s.pub, key id %s\n\nagent.yaml:\n  control:\n    trusted_keys:\n      - %s\n",
		keyFile, *out, fleetdoc.KeyID(pub), line)
	return 0
}

// signInput is the YAML an operator writes; files are inlined at signing.
type signInput struct {
	Agent     string `yaml:"agent"`
	Version   int64  `yaml:"version"`
	Comment   string `yaml:"comment"`
	Pipelines []struct {
		Name string `yaml:"name"`
		SQL  string `yaml:"sql"`
		File string `yaml:"file"`
	} `yaml:"pipelines"`
	// Sync overrides the agent's pushable sync settings (no credentials).
	Sync *struct {
		ResultsTopic     string   `yaml:"results_topic"`
		CheckpointsTopic string   `yaml:"checkpoints_topic"`
		DrainRate        *float64 `yaml:"drain_rate"`
		OutboxQuota      string   `yaml:"outbox_quota"`
		Policy           string   `yaml:"policy"`
	} `yaml:"sync"`
	// AlertsFile is an alert rule file (docs/ALERTS.md) the agent
	// evaluates on its own views; inlined at signing.
	AlertsFile string `yaml:"alerts_file"`
}

func configSign(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("config sign", "--key NAME.key [-version N] [-agent ID] [-o OUT] FILE.yaml", stderr)
	keyFile := fs.String("key", "", "the private key (from eddy config keygen)")
	version := fs.Int64("version", 0, "the document's version (overrides the file's)")
	agentID := fs.String("agent", "", "the agent the document is for (overrides the file's); none: fleet-wide")
	outFile := fs.String("o", "", "write the signed document here instead of stdout")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *keyFile == "" || fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "eddy config sign: %v\n", err); return 1 }
	kb, err := os.ReadFile(*keyFile)
	if err != nil {
		return fail(err)
	}
	priv, err := fleetdoc.ParsePrivateKey(kb)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", *keyFile, err))
	}
	in := fs.Arg(0)
	b, err := os.ReadFile(in)
	if err != nil {
		return fail(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var si signInput
	if err := dec.Decode(&si); err != nil {
		return fail(fmt.Errorf("%s: %v", in, err))
	}
	doc := fleetdoc.Document{Format: fleetdoc.Format, Agent: si.Agent, Version: si.Version, Comment: si.Comment}
	if *version != 0 {
		doc.Version = *version
	}
	if *agentID != "" {
		doc.Agent = *agentID
	}
	for i, p := range si.Pipelines {
		text := p.SQL
		if p.File != "" {
			if text != "" {
				return fail(fmt.Errorf("%s: pipelines[%d]: give sql or file, not both", in, i))
			}
			f := p.File
			if !filepath.IsAbs(f) {
				f = filepath.Join(filepath.Dir(in), f)
			}
			sb, err := os.ReadFile(f)
			if err != nil {
				return fail(fmt.Errorf("%s: pipelines[%d]: %v", in, i, err))
			}
			text = string(sb)
		}
		doc.Pipelines = append(doc.Pipelines, fleetdoc.Pipeline{Name: p.Name, SQL: text})
	}
	if y := si.Sync; y != nil {
		doc.Sync = &fleetdoc.Sync{ResultsTopic: y.ResultsTopic, CheckpointsTopic: y.CheckpointsTopic,
			DrainRate: y.DrainRate, OutboxQuota: y.OutboxQuota, Policy: y.Policy}
	}
	if si.AlertsFile != "" {
		f := si.AlertsFile
		if !filepath.IsAbs(f) {
			f = filepath.Join(filepath.Dir(in), f)
		}
		ab, err := os.ReadFile(f)
		if err != nil {
			return fail(fmt.Errorf("%s: alerts_file: %v", in, err))
		}
		doc.Alerts = string(ab)
	}
	if err := doc.Check(); err != nil {
		return fail(fmt.Errorf("%s: %v", in, err))
	}
	doc.Sign(priv)
	out := doc.Encode()
	if *outFile == "" {
		_, _ = stdout.Write(out)
		return 0
	}
	if err := os.WriteFile(*outFile, out, 0o644); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stderr, "signed version %d for %s with key %s: %s\n", doc.Version, target(doc.Agent), doc.Signature.Key, *outFile)
	return 0
}

func target(agent string) string {
	if agent == "" {
		return "the fleet"
	}
	return "agent " + agent
}

// connFlags are the control broker flags of push and status.
type connFlags struct {
	broker, prefix, user, ca, cert, key, clientID *string
}

func addConnFlags(fs *flag.FlagSet) connFlags {
	return connFlags{
		broker:   fs.String("broker", "", "the control broker URL (tcp://, ssl://)"),
		prefix:   fs.String("prefix", fleetdoc.DefaultPrefix, "topic prefix of the control topics"),
		user:     fs.String("username", "", "MQTT username (password from EDDY_MQTT_PASSWORD)"),
		ca:       fs.String("ca-file", "", "PEM CA bundle for TLS"),
		cert:     fs.String("cert-file", "", "PEM client certificate"),
		key:      fs.String("key-file", "", "PEM client key"),
		clientID: fs.String("client-id", "", "MQTT client id (default: a random one)"),
	}
}

// dial connects to the control broker.
func (c connFlags) dial(ctx context.Context) (*mqttconn.Conn, error) {
	if *c.broker == "" {
		return nil, fmt.Errorf("--broker is required")
	}
	id := *c.clientID
	if id == "" {
		id = fmt.Sprintf("eddy-config-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	}
	o := mqttconn.Options{Brokers: []string{*c.broker}, ClientID: id, Username: *c.user, Password: os.Getenv("EDDY_MQTT_PASSWORD"),
		CAFile: *c.ca, CertFile: *c.cert, KeyFile: *c.key, CleanSession: true}
	conn, err := mqttconn.Start(mqttconn.Config{Options: o, Logger: newLogger(io.Discard, "error")})
	if err != nil {
		return nil, err
	}
	if err := conn.WaitConnected(ctx); err != nil {
		conn.Close(0)
		return nil, fmt.Errorf("%s: %w", o.String(), err)
	}
	return conn, nil
}

func configPush(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("config push", "--broker URL (--agent ID | --fleet) FILE.json", stderr)
	cf := addConnFlags(fs)
	agentID := fs.String("agent", "", "the agent to configure (and whose answer to wait for)")
	fleet := fs.Bool("fleet", false, "publish on the fleet topic, for every agent without its own document")
	timeout := fs.Duration("timeout", 60*time.Second, "how long to wait for the agent's answer")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || (*agentID == "" && !*fleet) {
		fs.Usage()
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "eddy config push: %v\n", err); return 1 }
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fail(err)
	}
	doc, err := fleetdoc.Decode(raw)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", fs.Arg(0), err))
	}
	digest := doc.Digest()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := cf.dial(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Close(250 * time.Millisecond)
	tp := fleetdoc.TopicsFor(*cf.prefix, *agentID)
	dest := tp.Config
	if *fleet {
		dest = tp.FleetConfig
	}
	type answer struct {
		applied bool
		text    string
	}
	answers := make(chan answer, 16)
	send := func(a answer) {
		select {
		case answers <- a:
		default:
		}
	}
	if *agentID != "" {
		// Subscribe before publishing, so the answer cannot be missed; the
		// retained status answers at once for a document the agent already
		// applied or rejected.
		subs := map[string]byte{tp.Events: 1, tp.Status: 1}
		tok := conn.Client().SubscribeMultiple(subs, func(_ paho.Client, m paho.Message) {
			if m.Topic() == tp.Events {
				var ev fleetdoc.Event
				if json.Unmarshal(m.Payload(), &ev) != nil || ev.Digest != digest {
					return
				}
				if ev.Event == fleetdoc.Applied {
					send(answer{true, fmt.Sprintf("applied: agent %s runs version %d (digest %.12s)", ev.Agent, ev.Version, ev.Digest)})
				} else {
					send(answer{false, fmt.Sprintf("rejected: agent %s, version %d: %s: %s", ev.Agent, ev.Version, ev.Code, ev.Reason)})
				}
				return
			}
			var st fleetdoc.Status
			if json.Unmarshal(m.Payload(), &st) != nil {
				return
			}
			if st.ConfigDigest == digest {
				send(answer{true, fmt.Sprintf("applied: agent %s runs version %d (digest %.12s)", st.Agent, st.ConfigVersion, digest)})
			} else if st.LastError != nil && st.LastError.Digest == digest {
				e := st.LastError
				send(answer{false, fmt.Sprintf("rejected: agent %s, version %d: %s: %s", st.Agent, e.Version, e.Code, e.Reason)})
			}
		})
		if !tok.WaitTimeout(*timeout) || tok.Error() != nil {
			return fail(fmt.Errorf("subscribing to %s: %v", tp.Events, tok.Error()))
		}
	}
	tok := conn.Client().Publish(dest, 1, true, raw)
	if !tok.WaitTimeout(*timeout) || tok.Error() != nil {
		return fail(fmt.Errorf("publishing to %s: %v", dest, tok.Error()))
	}
	fmt.Fprintf(stderr, "published version %d (digest %.12s) to %s\n", doc.Version, digest, dest)
	if *agentID == "" {
		return 0
	}
	select {
	case a := <-answers:
		fmt.Fprintln(stdout, a.text)
		if a.applied {
			return 0
		}
		return 1
	case <-ctx.Done():
		return fail(fmt.Errorf("no answer from agent %s within %s: is it online and subscribed to %s? (eddy config status --agent %s)",
			*agentID, *timeout, dest, *agentID))
	}
}

func configStatus(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("config status", "--broker URL [--agent ID] [-wait 2s] [-json]", stderr)
	cf := addConnFlags(fs)
	agentID := fs.String("agent", "", "one agent; default: every agent with a retained status")
	wait := fs.Duration("wait", 2*time.Second, "how long to collect retained statuses")
	asJSON := fs.Bool("json", false, "print each status as a JSON line")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "eddy config status: %v\n", err); return 1 }
	ctx, cancel := context.WithTimeout(context.Background(), *wait+10*time.Second)
	defer cancel()
	conn, err := cf.dial(ctx)
	if err != nil {
		return fail(err)
	}
	defer conn.Close(250 * time.Millisecond)
	filter := fleetdoc.TopicsFor(*cf.prefix, "+").Status
	if *agentID != "" {
		filter = fleetdoc.TopicsFor(*cf.prefix, *agentID).Status
	}
	got := make(chan fleetdoc.Status, 1024)
	tok := conn.Client().Subscribe(filter, 1, func(_ paho.Client, m paho.Message) {
		var st fleetdoc.Status
		if len(m.Payload()) > 0 && json.Unmarshal(m.Payload(), &st) == nil {
			select {
			case got <- st:
			default:
			}
		}
	})
	if !tok.WaitTimeout(*wait+5*time.Second) || tok.Error() != nil {
		return fail(fmt.Errorf("subscribing to %s: %v", filter, tok.Error()))
	}
	byAgent := map[string]fleetdoc.Status{}
	deadline := time.NewTimer(*wait)
	defer deadline.Stop()
collect:
	for {
		select {
		case st := <-got:
			byAgent[st.Agent] = st
			if *agentID != "" {
				break collect
			}
		case <-deadline.C:
			break collect
		}
	}
	if len(byAgent) == 0 {
		return fail(fmt.Errorf("no retained status on %s within %s", filter, *wait))
	}
	names := make([]string, 0, len(byAgent))
	for n := range byAgent {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		st := byAgent[n]
		if *asJSON {
			b, _ := json.Marshal(st)
			fmt.Fprintln(stdout, string(b))
			continue
		}
		fmt.Fprintln(stdout, statusLine(st))
	}
	return 0
}

// statusLine renders a status for people.
func statusLine(st fleetdoc.Status) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  version %d", st.Agent, st.State, st.ConfigVersion)
	if st.ConfigDigest != "" {
		fmt.Fprintf(&b, "  digest %.12s  applied %s", st.ConfigDigest, st.AppliedAt)
	}
	if e := st.LastError; e != nil {
		fmt.Fprintf(&b, "\n  last rejected: version %d at %s: %s: %s", e.Version, e.Time, e.Code,
			strings.ReplaceAll(e.Reason, "\n", "\n    "))
	}
	return b.String()
}
