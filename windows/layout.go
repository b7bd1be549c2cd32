package windows

import (
	"reflect"
	"strconv"
	"unsafe"
)

// windowLayout allocates a window, its array of states and the aggregate states
// themselves as one heap object, so that the event path touches one region
// of memory per window instead of one object per aggregate. With ten
// thousand keys the states no longer fit the processor's caches and TLB,
// and each separate object costs a miss of its own.
//
// Go cannot lay out a struct whose field types are known only at run time
// except through reflect.StructOf, which the garbage collector understands
// as any other type: the block is struct{ W window; A [n]State; S0 T0; ... }
// where Ti is the struct type behind aggregate i's state. The states of
// aggregates defined outside this package stay separate objects.
type windowLayout struct {
	typ    reflect.Type
	size   uintptr        // of typ
	fields []int          // field of aggregate i's state in typ, or -1
	ptrs   []reflect.Type // the pointer type NewState must return to be inlined
}

var pkgPath = reflect.TypeFor[window]().PkgPath()

func newWindowLayout(aggs []Aggregate) windowLayout {
	l := windowLayout{fields: make([]int, len(aggs)), ptrs: make([]reflect.Type, len(aggs))}
	fs := []reflect.StructField{
		{Name: "W", Type: reflect.TypeFor[window]()},
		{Name: "A", Type: reflect.ArrayOf(len(aggs), reflect.TypeFor[State]())},
	}
	for i, a := range aggs {
		l.fields[i] = -1
		// Only this package's states are inlined: the block holds a copy
		// of what NewState returned, which is safe for states known not to
		// point into themselves or to be referenced elsewhere. An aggregate
		// defined outside keeps its state as NewState made it.
		t := reflect.TypeOf(a.NewState())
		if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Elem().Size() == 0 ||
			t.Elem().PkgPath() != pkgPath {
			continue
		}
		l.fields[i], l.ptrs[i] = len(fs), t
		fs = append(fs, reflect.StructField{Name: "S" + strconv.Itoa(i), Type: t.Elem()})
	}
	l.typ = reflect.StructOf(fs)
	if off := l.typ.Field(1).Offset; off != windowSize {
		panic("windows: state array at offset " + strconv.Itoa(int(off)) + " of the window block, want windowSize")
	}
	l.size = l.typ.Size()
	return l
}

// alloc returns a new window with fresh states from aggs.
func (l windowLayout) alloc(aggs []Aggregate) *window {
	v := reflect.New(l.typ).Elem()
	w := v.Field(0).Addr().Interface().(*window)
	w.nstates = uint32(len(aggs))
	states := w.states()
	for i, a := range aggs {
		s := a.NewState()
		if f := l.fields[i]; f >= 0 && reflect.TypeOf(s) == l.ptrs[i] {
			dst := v.Field(f)
			dst.Set(reflect.ValueOf(s).Elem())
			s = dst.Addr().Interface().(State)
		}
		states[i] = s
	}
	return w
}

// touch loads one byte from every cache line of w's block, so that a later
// pass finds the window and its states in cache (see Operator.prefetch).
// The window is the block's first field, so the block starts at w, and the
// offsets stay inside the one allocation.
func (l windowLayout) touch(w *window) int64 { return touchLines(unsafe.Pointer(w), l.size) }

// touchLines loads one byte from every 64-byte cache line of the size > 0
// bytes at p, which must lie in one allocation. The allocator does not
// align objects to cache lines, so it also loads the last byte.
func touchLines(p unsafe.Pointer, size uintptr) int64 {
	sum := int64(*(*byte)(unsafe.Add(p, size-1)))
	for off := uintptr(0); off < size; off += 64 {
		sum += int64(*(*byte)(unsafe.Add(p, off)))
	}
	return sum
}
