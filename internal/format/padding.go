package format

import (
	"strings"

	"github.com/pushstream/pushstream/internal/config"
)

// Padding holds the padding table of subscriber.md §9 for one L (the largest
// header or message padding value of the whole configuration). Its byte
// slices are shared by every subscriber and must not be modified.
type Padding struct {
	max         int
	stream      []byte // tail of "\r\n" repeated, len max
	eventSource []byte // ":"×(max−1) + "\n"
}

// NewPadding builds the table for L = max; max <= 0 gives a table that never pads.
func NewPadding(max int) *Padding {
	p := &Padding{}
	if max <= 0 {
		return p
	}
	p.max = max
	// Built one byte longer when odd, so that every tail ends with "\r\n"
	// and an odd tail starts with "\n".
	even := max + max%2
	p.stream = []byte(strings.Repeat("\r\n", even/2))[even-max:]
	es := make([]byte, max)
	for i := range es {
		es[i] = ':'
	}
	es[max-1] = '\n'
	p.eventSource = es
	return p
}

// Max returns L.
func (p *Padding) Max() int { return p.max }

// Size returns the padding size to send after a piece of length have when the
// rule asks for target (a header or message minimum), 0 when none:
// size(⌊(target−have)/100⌋) of the table, the table being (i+1)×100 for
// i < L/100 and L for the last entry.
func (p *Padding) Size(target, have int) int {
	diff := target - have
	if p == nil || p.max <= 0 || diff <= 0 {
		return 0
	}
	i := diff / 100
	last := p.max / 100
	if i >= last {
		return p.max
	}
	return (i + 1) * 100
}

// Stream returns the streaming padding bytes of length n (0 < n <= L), a
// shared slice; nil when n is out of range.
func (p *Padding) Stream(n int) []byte {
	if p == nil || n <= 0 || n > p.max {
		return nil
	}
	return p.stream[len(p.stream)-n:]
}

// EventSource returns the EventSource padding bytes of length n
// (":"×(n−1) + "\n"), a shared slice; nil when n is out of range.
func (p *Padding) EventSource(n int) []byte {
	if p == nil || n <= 0 || n > p.max {
		return nil
	}
	return p.eventSource[len(p.eventSource)-n:]
}

// MatchPaddingRule returns the first rule whose regex matches anywhere in
// userAgent, or nil.
func MatchPaddingRule(rules []config.PaddingRule, userAgent string) *config.PaddingRule {
	for i := range rules {
		r := &rules[i]
		if r.UserAgent != nil && r.UserAgent.MatchString(userAgent) {
			return r
		}
	}
	return nil
}
