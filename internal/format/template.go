package format

import (
	"slices"
	"strconv"

	"github.com/pushstream/pushstream/internal/hub"
)

// partKind says what a template part renders to.
type partKind uint8

const (
	partLiteral partKind = iota
	partID
	partText
	partChannel
	partEventID
	partEventType
	partTag
	partTime
	partSize
)

// tokens are matched case-insensitively at every '~' of the template.
var tokens = [...]struct {
	name string // lower case, tildes included
	kind partKind
}{
	{"~id~", partID},
	{"~text~", partText},
	{"~channel~", partChannel},
	{"~event-id~", partEventID},
	{"~event-type~", partEventType},
	{"~tag~", partTag},
	{"~time~", partTime},
	{"~size~", partSize},
}

type part struct {
	kind partKind
	lit  string // partLiteral only
}

// Template is a compiled push_stream_message_template. It is immutable and
// safe for concurrent use; its pointer is a good render-cache key.
type Template struct {
	src    string
	parts  []part
	litLen int // total literal bytes, to size dst once
}

// Compile splits s into literals and tokens once, so that rendering never
// scans the template (or the values) again. Unknown `~x~` stay literal.
func Compile(s string) *Template {
	t := &Template{src: s}
	litStart := 0
	for i := 0; i < len(s); {
		if s[i] != '~' {
			i++
			continue
		}
		kind, n := matchToken(s[i:])
		if n == 0 {
			i++
			continue
		}
		if i > litStart {
			t.parts = append(t.parts, part{kind: partLiteral, lit: s[litStart:i]})
			t.litLen += i - litStart
		}
		t.parts = append(t.parts, part{kind: kind})
		i += n
		litStart = i
	}
	if litStart < len(s) {
		t.parts = append(t.parts, part{kind: partLiteral, lit: s[litStart:]})
		t.litLen += len(s) - litStart
	}
	return t
}

// matchToken reports the token starting s (which starts with '~') and its length.
func matchToken(s string) (partKind, int) {
	for _, tok := range tokens {
		if len(s) >= len(tok.name) && equalFoldASCII(s[:len(tok.name)], tok.name) {
			return tok.kind, len(tok.name)
		}
	}
	return partLiteral, 0
}

// equalFoldASCII compares s with the lower-case ASCII string lower.
func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// String returns the template source.
func (t *Template) String() string { return t.src }

// IsEmpty reports whether the template renders nothing.
func (t *Template) IsEmpty() bool { return len(t.parts) == 0 }

// Append renders m with the template and appends the bytes to dst. It does
// not allocate except to grow dst. ~channel~ is empty for the ping (-1) and
// the timeout (-3) messages.
func (t *Template) Append(dst []byte, m *hub.Message) []byte {
	return t.AppendWithText(dst, m, m.Text)
}

// AppendWithText renders m with ~text~ and ~size~ taken from text instead of
// m.Text (EventSource renders each line of a message separately).
func (t *Template) AppendWithText(dst []byte, m *hub.Message, text []byte) []byte {
	// One growth for the common case: literals plus the variable-length
	// values; numbers and dates fit in the slack.
	need := t.litLen + len(text) + len(m.Channel) + 64
	dst = slices.Grow(dst, need)
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partLiteral:
			dst = append(dst, p.lit...)
		case partID:
			dst = strconv.AppendInt(dst, m.ID, 10)
		case partText:
			dst = append(dst, text...)
		case partChannel:
			// The ping and the long-polling timeout belong to no channel
			// (README §1), whatever the caller filled in.
			if m.ID != hub.IDPing && m.ID != hub.IDTimedOut {
				dst = append(dst, m.Channel...)
			}
		case partEventID:
			dst = append(dst, m.EventID...)
		case partEventType:
			dst = append(dst, m.EventType...)
		case partTag:
			dst = strconv.AppendInt(dst, m.Tag, 10)
		case partTime:
			dst = AppendHTTPDate(dst, m.Time)
		case partSize:
			dst = strconv.AppendInt(dst, int64(len(text)), 10)
		}
	}
	return dst
}
