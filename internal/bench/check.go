//go:build linux

package bench

// Checker verifies, for one subscriber, that every message of every
// publisher arrived exactly once and in publish order. Sequence numbers are
// per (channel, publisher) and start at 1; 0 is the readiness probe and is
// not checked. Only the subscriber's goroutine calls Add.
type Checker struct {
	pubs   []pubSeen
	maxSeq int64
}

type pubSeen struct {
	bits    []uint64 // seen[seq]
	high    int64    // highest seq seen
	unique  int64
	dup     int64
	reorder int64
}

// NewChecker tracks publishers 0..pubs-1 with sequence numbers 1..maxSeq.
func NewChecker(pubs int, maxSeq int64) *Checker {
	c := &Checker{pubs: make([]pubSeen, pubs), maxSeq: maxSeq}
	words := (maxSeq + 1 + 63) / 64
	for i := range c.pubs {
		c.pubs[i].bits = make([]uint64, words)
	}
	return c
}

// Add records a delivery and reports whether it was new (not a duplicate
// and within range).
func (c *Checker) Add(pub, seq int64) bool {
	if pub < 0 || pub >= int64(len(c.pubs)) {
		return false
	}
	p := &c.pubs[pub]
	if seq <= 0 || seq > c.maxSeq {
		return false
	}
	w, m := seq/64, uint64(1)<<(seq%64)
	if p.bits[w]&m != 0 {
		p.dup++
		return false
	}
	p.bits[w] |= m
	p.unique++
	if seq < p.high {
		p.reorder++
	} else {
		p.high = seq
	}
	return true
}

// Counts is the outcome of a check.
type Counts struct {
	Received  int64 `json:"received"`
	Lost      int64 `json:"lost"`
	Duplicate int64 `json:"duplicate"`
	Reordered int64 `json:"reordered"`
}

// Result compares what arrived with expected[pub], the number of messages
// each publisher successfully published to this subscriber's channel.
// Messages beyond expected (should not happen) are not counted as lost.
func (c *Checker) Result(expected []int64) Counts {
	var r Counts
	for i := range c.pubs {
		p := &c.pubs[i]
		r.Received += p.unique
		r.Duplicate += p.dup
		r.Reordered += p.reorder
		if i < len(expected) && expected[i] > p.unique {
			r.Lost += expected[i] - p.unique
		}
	}
	return r
}

// Add sums counts.
func (r *Counts) Add(o Counts) {
	r.Received += o.Received
	r.Lost += o.Lost
	r.Duplicate += o.Duplicate
	r.Reordered += o.Reordered
}
