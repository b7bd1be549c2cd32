package windows

import "hash/maphash"

// keyTable maps encoded group keys to their state. It is a hash table with
// linear probing over (hash, *keyState) slots, 16 bytes each, so that the
// probe of 10k keys stays in the processor's cache; a key's bytes are
// compared inline in its keyState (see keyState.is), which the event needs
// next anyway. A Go map would touch the key's separately allocated string
// as well: one more cache miss per event on the hot path.
type keyTable struct {
	seed  maphash.Seed
	slots []keySlot // len is a power of two
	n     int
}

type keySlot struct {
	h uint64
	k *keyState
}

func newKeyTable() keyTable {
	return keyTable{seed: maphash.MakeSeed(), slots: make([]keySlot, 64)}
}

func (t *keyTable) hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) }

// get returns the state of key, or nil.
func (t *keyTable) get(key []byte) *keyState { return t.getHash(key, t.hash(key)) }

// first returns the key state in the home slot of hash h, whatever its key,
// or nil: the one a lookup of h most likely ends at.
func (t *keyTable) first(h uint64) *keyState { return t.slots[h&uint64(len(t.slots)-1)].k }

// getHash is get with the key's hash already computed.
func (t *keyTable) getHash(key []byte, h uint64) *keyState {
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.k == nil {
			return nil
		}
		if s.h == h && s.k.is(key) {
			return s.k
		}
	}
}

// put adds k, whose key must not be in the table.
func (t *keyTable) put(k *keyState) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	t.insert(keySlot{h: maphash.String(t.seed, k.key), k: k})
	t.n++
}

func (t *keyTable) insert(s keySlot) {
	mask := uint64(len(t.slots) - 1)
	i := s.h & mask
	for t.slots[i].k != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

func (t *keyTable) grow() {
	old := t.slots
	t.slots = make([]keySlot, 2*len(old))
	for _, s := range old {
		if s.k != nil {
			t.insert(s)
		}
	}
}

// remove deletes k, shifting later slots of its probe run back so that
// lookups need no tombstones.
func (t *keyTable) remove(k *keyState) {
	mask := uint64(len(t.slots) - 1)
	i := maphash.String(t.seed, k.key) & mask
	for t.slots[i].k != k {
		if t.slots[i].k == nil {
			return
		}
		i = (i + 1) & mask
	}
	for j := (i + 1) & mask; t.slots[j].k != nil; j = (j + 1) & mask {
		home := t.slots[j].h & mask
		// Move slot j back to the hole at i unless its home lies
		// cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = keySlot{}
	t.n--
}

// all calls fn for each key state, in no particular order.
func (t *keyTable) all(fn func(*keyState)) {
	for _, s := range t.slots {
		if s.k != nil {
			fn(s.k)
		}
	}
}

func (t *keyTable) len() int { return t.n }
