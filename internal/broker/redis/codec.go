package redis

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/pushstream/pushstream/internal/broker"
)

const (
	flagEventID   = 1
	flagEventType = 2
)

var errBadMessage = errors.New("malformed stored message")

// decode parses "id time tag expires flags lenID lenType " + event id +
// event type + text, as publishScript writes it.
func decode(channel string, b []byte) (broker.Message, error) {
	var f [7]int64
	for i := range f {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return broker.Message{}, errBadMessage
		}
		v, err := strconv.ParseInt(string(b[:sp]), 10, 64)
		if err != nil {
			return broker.Message{}, errBadMessage
		}
		f[i] = v
		b = b[sp+1:]
	}
	le, lt := int(f[5]), int(f[6])
	if le < 0 || lt < 0 || le+lt > len(b) {
		return broker.Message{}, errBadMessage
	}
	return broker.Message{
		Channel: channel, ID: f[0], Time: f[1], Tag: f[2], Expires: f[3],
		EventID: string(b[:le]), EventType: string(b[le : le+lt]), Text: b[le+lt:],
		HasEventID: f[4]&flagEventID != 0, HasEventType: f[4]&flagEventType != 0,
	}, nil
}

func flags(p broker.Publish) string {
	f := 0
	if p.HasEventID {
		f |= flagEventID
	}
	if p.HasEventType {
		f |= flagEventType
	}
	return strconv.Itoa(f)
}
