//go:build linux

package bench

import (
	"bytes"
	"strconv"
)

// marker opens every payload this tool publishes.
const marker = "B1|"

// AppendPayload appends a body "B1|pub|seq|sentNs|" padded with 'x' to size
// bytes (never shorter than the marker fields).
func AppendPayload(dst []byte, pub, seq, sentNs int64, size int) []byte {
	start := len(dst)
	dst = append(dst, marker...)
	dst = strconv.AppendInt(dst, pub, 10)
	dst = append(dst, '|')
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, '|')
	dst = strconv.AppendInt(dst, sentNs, 10)
	dst = append(dst, '|')
	for len(dst)-start < size {
		dst = append(dst, 'x')
	}
	return dst
}

// PayloadFunc receives one payload found in a subscriber's byte stream.
type PayloadFunc func(pub, seq, sentNs int64)

// Finder finds payloads in a byte stream fed in arbitrary pieces. It keeps
// only a few integers of state, so a payload split across reads, chunks or
// frames is still found, and it never allocates.
type Finder struct {
	state  uint8
	ndig   uint8
	field  int64
	pub    int64
	seq    int64
	OnFind PayloadFunc
}

const (
	fSeek uint8 = iota
	fOne
	fBar
	fPub
	fSeq
	fTime
)

// Reset forgets a partially matched payload.
func (f *Finder) Reset() { f.state = fSeek }

func (f *Finder) restart(c byte) {
	f.state = fSeek
	if c == 'B' {
		f.state = fOne
	}
}

// Feed scans p for payloads and calls OnFind for each complete one.
func (f *Finder) Feed(p []byte) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch f.state {
		case fSeek:
			j := bytes.IndexByte(p[i:], 'B')
			if j < 0 {
				return
			}
			i += j
			f.state = fOne
		case fOne:
			if c == '1' {
				f.state = fBar
			} else {
				f.restart(c)
			}
		case fBar:
			if c == '|' {
				f.state, f.field, f.ndig = fPub, 0, 0
			} else {
				f.restart(c)
			}
		default: // digits of pub, seq or time, each ended by '|'
			switch {
			case c >= '0' && c <= '9' && f.ndig < 19:
				f.field = f.field*10 + int64(c-'0')
				f.ndig++
			case c == '|' && f.ndig > 0:
				switch f.state {
				case fPub:
					f.pub, f.state = f.field, fSeq
				case fSeq:
					f.seq, f.state = f.field, fTime
				default:
					f.state = fSeek
					if f.OnFind != nil {
						f.OnFind(f.pub, f.seq, f.field)
					}
				}
				f.field, f.ndig = 0, 0
			default:
				f.restart(c)
			}
		}
	}
}
