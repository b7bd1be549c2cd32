package topic

// Router maps a concrete topic to every registered pattern it matches, each
// with a value of the caller's choosing (a source, its index, its decoder).
// Add all patterns before routing; after that Route is safe for concurrent
// use.
type Router[T any] struct {
	patterns []*Pattern
	values   []T
}

// Hit is one pattern that matched a topic.
type Hit[T any] struct {
	Value    T
	Pattern  *Pattern
	Captures []string // in Pattern.Names order; substrings of the topic
}

// Add registers p with its value. Patterns are tried in the order added.
func (r *Router[T]) Add(p *Pattern, v T) {
	r.patterns = append(r.patterns, p)
	r.values = append(r.values, v)
}

// Len returns the number of registered patterns.
func (r *Router[T]) Len() int { return len(r.patterns) }

// Patterns returns the registered patterns in the order added, for
// Subscriptions. The caller must not modify the slice.
func (r *Router[T]) Patterns() []*Pattern { return r.patterns }

// Route appends a Hit to hits for every pattern topic matches, in the order
// the patterns were added, storing their captures in caps; it returns both
// extended slices for reuse. A Hit's Captures stay valid after later appends
// to caps. Route does not allocate once hits and caps have grown.
func (r *Router[T]) Route(hits []Hit[T], caps []string, topic string) ([]Hit[T], []string) {
	for i, p := range r.patterns {
		start := len(caps)
		var ok bool
		if caps, ok = p.Match(caps, topic); ok {
			hits = append(hits, Hit[T]{Value: r.values[i], Pattern: p, Captures: caps[start:len(caps):len(caps)]})
		}
	}
	return hits, caps
}
