package sql

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// optValue is one WITH option after parsing: its text and, for an INTERVAL
// value, its length.
type optValue struct {
	key      string // lower case
	text     string
	dur      time.Duration
	interval bool // written INTERVAL '...'
	at       Pos  // of the key
	valPos   Pos
}

// optionValues normalises a WITH list: keys lower-cased (Flink's quoted
// keys and RisingWave's dotted words mean the same), values as text. A key
// given twice is an error.
func optionValues(opts []*Option, errs *ErrorList) map[string]optValue {
	out := make(map[string]optValue, len(opts))
	for _, o := range opts {
		v := optValue{key: strings.ToLower(o.Key), at: o.At, valPos: o.Value.Pos()}
		switch x := o.Value.(type) {
		case *Literal:
			v.text = x.Text
			if x.Kind == LitBool {
				v.text = strings.ToLower(x.Text)
			}
		case *IntervalLit:
			v.text, v.dur, v.interval = x.Dur.String(), x.Dur, true
		case *Ref:
			v.text = x.Parts[0].Raw
		}
		if prev, dup := out[v.key]; dup {
			*errs = append(*errs, newError(o.At, ErrOption, "option "+quoteString(o.Key)+" is given twice (first at "+prev.at.String()+")"))
			continue
		}
		out[v.key] = v
	}
	return out
}

// optionSpec is one option a connector or view accepts.
type optionSpec struct {
	required bool
	// check returns a message when the value is invalid.
	check func(v optValue) string
}

func anyText(optValue) string { return "" }

func nonEmpty(v optValue) string {
	if strings.TrimSpace(v.text) == "" {
		return "must not be empty"
	}
	return ""
}

func oneOf(values ...string) func(optValue) string {
	return func(v optValue) string {
		if slices.Contains(values, strings.ToLower(v.text)) {
			return ""
		}
		return "must be one of " + strings.Join(quoteAll(values), ", ")
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quoteString(s)
	}
	return out
}

var boolOpt = oneOf("true", "false")

func intOpt(min int64) func(optValue) string {
	return func(v optValue) string {
		n, err := strconv.ParseInt(v.text, 10, 64)
		if err != nil || n < min {
			return "must be a whole number of at least " + strconv.FormatInt(min, 10)
		}
		return ""
	}
}

// durationOpt accepts INTERVAL '5' SECOND or a string such as '5s' or
// '5 seconds'; a bare number is refused because its unit would be a guess.
func durationOpt(v optValue) string {
	_, msg := optDuration(v)
	return msg
}

func optDuration(v optValue) (time.Duration, string) {
	if v.interval {
		if v.dur < 0 {
			return 0, "must not be negative"
		}
		return v.dur, ""
	}
	if _, err := strconv.ParseFloat(strings.TrimSpace(v.text), 64); err == nil {
		return 0, "needs a unit: write '" + v.text + "s', '" + v.text + " seconds' or INTERVAL '" + v.text + "' SECOND"
	}
	d, msg := parseInterval(v.text, "")
	if msg != "" {
		return 0, msg
	}
	if d < 0 {
		return 0, "must not be negative"
	}
	return d, ""
}

func urlOpt(schemes ...string) func(optValue) string {
	return func(v optValue) string {
		u, err := url.Parse(v.text)
		if err != nil || u.Host == "" || !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
			return "must be a URL such as " + schemes[0] + "://host:port (schemes: " + strings.Join(schemes, ", ") + ")"
		}
		return ""
	}
}

func serversOpt(v optValue) string {
	for _, hp := range strings.Split(v.text, ",") {
		hp = strings.TrimSpace(hp)
		i := strings.LastIndexByte(hp, ':')
		if i <= 0 {
			return "must be host:port[,host:port...], got " + quoteString(hp)
		}
		n, err := strconv.Atoi(hp[i+1:])
		if err != nil || n <= 0 || n > 65535 {
			return "must be host:port[,host:port...], got " + quoteString(hp)
		}
	}
	return ""
}

func kafkaTopicOpt(v optValue) string {
	if v.text == "" || len(v.text) > 249 {
		return "must be a Kafka topic name of 1 to 249 characters"
	}
	for _, r := range v.text {
		if !(r == '.' || r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "must be a Kafka topic name (letters, digits, '.', '_', '-'); " + quoteString(string(r)) + " is not allowed"
		}
	}
	return ""
}

func mqttTopicOpt(v optValue) string {
	_, msg := topicCaptures(v.text)
	return msg
}

var qosOpt = oneOf("0", "1", "2", "at_most_once", "at_least_once", "exactly_once")

var formatOpt = func(v optValue) string {
	if strings.EqualFold(v.text, "json") {
		return ""
	}
	return "must be 'json': Eddy reads and writes JSON (" + quoteString(v.text) + " is not supported)"
}

// secretKeys are refused with a pointer to the agent configuration, so
// that credentials do not end up in SQL files and plans.
var secretKeys = []string{"username", "password", "token", "bearer_token", "properties.sasl.", "properties.ssl.", "properties.security.protocol", "sasl.", "ssl."}

func isSecretKey(k string) bool {
	for _, s := range secretKeys {
		if k == s || strings.HasSuffix(s, ".") && strings.HasPrefix(k, s) {
			return true
		}
	}
	return false
}

// connectorSpecs are the options of each connector, as a source and as a
// sink. The keys are those RisingWave and Flink users write.
var (
	sourceConnectors = map[string]map[string]optionSpec{
		"kafka": {
			"topic":                        {true, kafkaTopicOpt},
			"properties.bootstrap.servers": {true, serversOpt},
			"properties.group.id":          {false, nonEmpty},
			"scan.startup.mode":            {false, oneOf("earliest", "latest", "earliest-offset", "latest-offset", "group-offsets")},
			"format":                       {false, formatOpt},
			"value.format":                 {false, formatOpt},
			"device.column":                {false, nonEmpty},
			"sequence.column":              {false, nonEmpty},
		},
		// The partial results of an edge view, read by the central
		// aggregator from the results topic (its rows, docs/results-topic.md).
		"eddy": {
			"view": {true, nonEmpty},
		},
		"mqtt": {
			"topic":  {true, mqttTopicOpt},
			"url":    {false, urlOpt("tcp", "ssl", "mqtt", "mqtts", "ws", "wss")},
			"qos":    {false, qosOpt},
			"format": {false, formatOpt},
			// Exact deduplication by device sequence numbers, and the
			// device as the watermark partition (Eddy's own options).
			"device.column":   {false, nonEmpty},
			"sequence.column": {false, nonEmpty},
		},
	}
	sinkConnectors = map[string]map[string]optionSpec{
		"kafka": {
			"topic":                        {true, kafkaTopicOpt},
			"properties.bootstrap.servers": {true, serversOpt},
			"type":                         {false, oneOf("append-only", "upsert")},
			"primary_key":                  {false, nonEmpty},
			"force_append_only":            {false, boolOpt},
			"format":                       {false, formatOpt},
			"value.format":                 {false, formatOpt},
		},
		"mqtt": {
			"topic":  {true, nonEmpty},
			"url":    {false, urlOpt("tcp", "ssl", "mqtt", "mqtts", "ws", "wss")},
			"qos":    {false, qosOpt},
			"retain": {false, boolOpt},
			"format": {false, formatOpt},
		},
		"print": {
			"print-identifier": {false, anyText},
		},
		"file": {
			"path":      {true, nonEmpty},
			"max_bytes": {false, intOpt(0)},
			"keep":      {false, intOpt(0)},
			"sync":      {false, boolOpt},
			"format":    {false, formatOpt},
		},
		"webhook": {
			"url":          {true, urlOpt("https", "http")},
			"timeout":      {false, durationOpt},
			"max_attempts": {false, intOpt(1)},
			"format":       {false, formatOpt},
		},
	}
	// sinkStreamOpt is the option every CREATE SINK ... FROM view accepts:
	// which of the view's streams the sink receives.
	sinkStreamOpt = optionSpec{false, oneOf(SinkStreamResults, SinkStreamLate)}
	// connectorAliases are other names for the same connector.
	connectorAliases = map[string]string{"filesystem": "file"}
)

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkOptions validates opts against specs: every required key present,
// no unknown key (with the closest known one suggested), every value
// valid. role is "source", "sink" or "view" for messages; stmtPos is where
// to report a missing key.
func checkOptions(opts map[string]optValue, specs map[string]optionSpec, what string, stmtPos Pos, errs *ErrorList) {
	for _, k := range keys(opts) {
		v := opts[k]
		if k == "connector" {
			continue
		}
		if isSecretKey(k) {
			*errs = append(*errs, newError(v.at, ErrOption, "option "+quoteString(k)+
				" is not accepted in SQL: credentials and TLS settings belong in the agent configuration file"))
			continue
		}
		spec, ok := specs[k]
		if !ok {
			*errs = append(*errs, newError(v.at, ErrOption, "unknown option "+quoteString(k)+" for "+what+
				didYouMean(k, keys(specs))+" (known: "+strings.Join(keys(specs), ", ")+")"))
			continue
		}
		if msg := spec.check(v); msg != "" {
			*errs = append(*errs, newError(v.valPos, ErrOption, "option "+quoteString(k)+" = "+quoteString(v.text)+" "+msg))
		}
	}
	for _, k := range keys(specs) {
		if _, ok := opts[k]; specs[k].required && !ok {
			*errs = append(*errs, newError(stmtPos, ErrOption, what+" needs option "+quoteString(k)+
				", as in WITH (..., "+k+" = '...')"))
		}
	}
}
