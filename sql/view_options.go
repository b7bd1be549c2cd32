package sql

import (
	"strings"
	"time"
)

// ViewOptions are Eddy's settings of a view, from CREATE MATERIALIZED VIEW
// name WITH (key = value, ...) AS SELECT. Values are intervals, written
// '10s', '5 minutes', '00:00:30' or INTERVAL '10' SECOND. "-" in a key is
// read as "_".
//
//	allowed_lateness      keep closed windows this long for late events, which update them (default 0)
//	out_of_orderness      watermark delay; overrides the source's WATERMARK ... - INTERVAL (default: the source's, else 0)
//	emit_interval         also emit early results of open windows (or of a continuous view) at most this often
//	idle_timeout          a partition silent this long stops holding the watermark back (processing time)
//	session_max_duration  close a SESSION window this long after it opened even if events keep coming
type ViewOptions struct {
	AllowedLateness time.Duration
	// OutOfOrderness is the watermark delay the view uses: the option, or
	// the source's watermark delay, or 0.
	OutOfOrderness     time.Duration
	EmitInterval       time.Duration
	IdleTimeout        time.Duration
	SessionMaxDuration time.Duration
}

var viewOptionSpecs = map[string]optionSpec{
	"allowed_lateness":     {false, durationOpt},
	"out_of_orderness":     {false, durationOpt},
	"emit_interval":        {false, durationOpt},
	"idle_timeout":         {false, durationOpt},
	"session_max_duration": {false, durationOpt},
}

// bindViewOptions reads the view's WITH list. set says which keys were
// given, for the checks that depend on the query.
func bindViewOptions(opts []*Option, name string, at Pos, errs *ErrorList) (ViewOptions, map[string]optValue) {
	raw := optionValues(opts, errs)
	vals := make(map[string]optValue, len(raw))
	for k, v := range raw {
		k = strings.ReplaceAll(k, "-", "_")
		v.key = k
		vals[k] = v
	}
	if c, ok := vals["connector"]; ok {
		*errs = append(*errs, newError(c.at, ErrOption, "a materialized view has no connector: to send its rows somewhere, CREATE SINK s FROM "+name+" WITH (connector = ...)"))
		delete(vals, "connector")
	}
	checkOptions(vals, viewOptionSpecs, "materialized view "+quoteString(name), at, errs)
	var o ViewOptions
	for k, dst := range map[string]*time.Duration{
		"allowed_lateness": &o.AllowedLateness, "out_of_orderness": &o.OutOfOrderness,
		"emit_interval": &o.EmitInterval, "idle_timeout": &o.IdleTimeout,
		"session_max_duration": &o.SessionMaxDuration,
	} {
		if v, ok := vals[k]; ok {
			*dst, _ = optDuration(v)
		}
	}
	return o, vals
}
