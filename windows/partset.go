package windows

// partSet is the set of partitions that fed a key. Most keys have one (GROUP
// BY device) and some a few (GROUP BY site); a key fed by the whole fleet
// switches to a map.
type partSet struct {
	list []uint32
	m    map[uint32]struct{}
}

const partSetListMax = 16

func (s *partSet) has(p uint32) bool {
	if s.m != nil {
		_, ok := s.m[p]
		return ok
	}
	for _, q := range s.list {
		if q == p {
			return true
		}
	}
	return false
}

// add adds p, which must not be in s.
func (s *partSet) add(p uint32) {
	s.list = append(s.list, p)
	if s.m != nil {
		s.m[p] = struct{}{}
	} else if len(s.list) > partSetListMax {
		s.m = make(map[uint32]struct{}, 2*len(s.list))
		for _, q := range s.list {
			s.m[q] = struct{}{}
		}
	}
}
