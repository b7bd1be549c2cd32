package windows

// Aggregate describes one aggregate function bound to its arguments (for
// example sum over one column, or the 0.99 quantile at 1% relative accuracy).
// It is immutable and shared by every state it creates.
type Aggregate interface {
	// Name is the function name as users write it ("sum", "approx_percentile").
	Name() string
	// NewState returns an empty partial state.
	NewState() State
}

// State is the partial state of one aggregate for one key in one window.
//
// Contract:
//   - Calls are never concurrent; the operator owns locking.
//   - Add must not allocate in steady state for exact aggregates (count, sum,
//     min, max, avg, first/last, stddev/variance); sketches may amortise.
//   - Add ignores NULL input (SQL semantics) except count(*), which counts rows.
//   - Merge(o) folds o, a state from the same Aggregate, into the receiver;
//     merging is associative and commutative up to the documented bound for
//     sketches. It returns an error if o is of another type.
//   - AppendBinary / UnmarshalBinary form a versioned encoding (first byte is
//     the encoding version); decoding rejects corrupt or foreign input with an
//     error and never panics.
//   - Reset returns the state to empty so the operator can reuse it; a reset
//     state behaves and encodes exactly as a new one.
//   - Read methods (Result, Mergeable, AppendBinary) may change how a state
//     holds its data, not what it holds (sketch states gather inputs before
//     inserting them): they are not safe for concurrent use either.
type State interface {
	Add(v Value, ts int64)
	Merge(o State) error
	Result() Value
	Mergeable() Mergeable
	Reset()
	AppendBinary(dst []byte) []byte
	UnmarshalBinary(b []byte) error
}

// Mergeable holds the SQL-mergeable columns of a state, so that RisingWave or
// Flink can merge partial results with plain SUM/MIN/MAX without our code:
// avg = sum(Sum)/sum(Count), variance from Count, Sum and SumSq.
// Has* report which columns carry meaning for this aggregate.
type Mergeable struct {
	Count  int64
	Sum    float64
	SumSq  float64
	Min    float64
	Max    float64
	HasSum bool
	HasMin bool // Min and Max are set (the state saw at least one number)
}
