package router

import (
	"math"
	"strconv"
)

// ChannelRef is one element of a channels path: a channel id and the
// number of stored messages to replay (0 = none).
type ChannelRef struct {
	ID        string
	Backtrack int
}

// ParseChannelsPath cuts an already decoded channels path as README.md §2
// describes: repeatedly search `((\.b([0-9]+))?(/|$))` from the current
// position; the bytes before the match are an id, the digits its
// backtrack. A leading '/' yields an empty id (the original's quirk).
// Empty input gives nil. Backtracks that overflow become math.MaxInt.
func ParseChannelsPath(s string) []ChannelRef {
	var refs []ChannelRef
	pos := 0
	for pos < len(s) {
		p, end, digits := nextCut(s, pos)
		ref := ChannelRef{ID: s[pos:p]}
		if digits != "" {
			n, err := strconv.Atoi(digits)
			if err != nil {
				n = math.MaxInt
			}
			ref.Backtrack = n
		}
		refs = append(refs, ref)
		pos = end
	}
	return refs
}

// nextCut finds the leftmost match of the cut pattern at or after pos and
// returns its start, its end and the backtrack digits.
func nextCut(s string, pos int) (start, end int, digits string) {
	for p := pos; p < len(s); p++ {
		switch s[p] {
		case '.':
			if p+2 < len(s) && s[p+1] == 'b' {
				q := p + 2
				for q < len(s) && s[q] >= '0' && s[q] <= '9' {
					q++
				}
				if q > p+2 && (q == len(s) || s[q] == '/') {
					if q < len(s) {
						return p, q + 1, s[p+2 : q]
					}
					return p, q, s[p+2 : q]
				}
			}
		case '/':
			return p, p + 1, ""
		}
	}
	return len(s), len(s), ""
}
