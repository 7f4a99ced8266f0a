package format

import (
	"strings"

	"github.com/pushstream/pushstream/internal/hub"
)

// EventSourcePing is the fixed EventSource ping piece (no template, no padding).
var EventSourcePing = []byte(": -1\n")

// EventSourceHeader transforms a header template for EventSource
// (subscriber.md §6): kept as is when it starts with ": ", ": \n" when
// empty, else each non-empty line becomes a ": line\n" comment.
func EventSourceHeader(s string) string {
	if s == "" {
		return ": \n"
	}
	return eventSourceComments(s)
}

// EventSourceFooter is EventSourceHeader except that empty stays empty.
func EventSourceFooter(s string) string {
	if s == "" {
		return ""
	}
	return eventSourceComments(s)
}

func eventSourceComments(s string) string {
	if strings.HasPrefix(s, ": ") {
		return s
	}
	var b []byte
	for line, rest := nextLine([]byte(s)); line != nil; line, rest = nextLine(rest) {
		b = append(b, ": "...)
		b = append(b, line...)
		b = append(b, '\n')
	}
	return string(b)
}

// EventSourceMessageTemplate transforms a message template for EventSource:
// kept as is when it starts with "data: ", else "data: " + (s or ~text~) + "\n".
func EventSourceMessageTemplate(s string) string {
	if strings.HasPrefix(s, "data: ") {
		return s
	}
	if s == "" {
		s = "~text~"
	}
	return "data: " + s + "\n"
}

// AppendEventSourceData appends the data piece of m: the text is split into
// lines on CR, LF or CRLF (empty lines dropped), t (an already transformed
// EventSource template) is rendered once per line with ~text~/~size~ being
// the line, and one extra "\n" ends the event.
func AppendEventSourceData(dst []byte, t *Template, m *hub.Message) []byte {
	for line, rest := nextLine(m.Text); line != nil; line, rest = nextLine(rest) {
		dst = t.AppendWithText(dst, m, line)
	}
	return append(dst, '\n')
}

// nextLine returns the first non-empty line of b and what follows it, or a
// nil line when none is left. Splitting on each CR and each LF and dropping
// empty pieces is the same as splitting on CRLF, CR or LF and dropping empty
// lines.
func nextLine(b []byte) (line, rest []byte) {
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			if i > start {
				return b[start:i], b[i+1:]
			}
			start = i + 1
		}
	}
	if start < len(b) {
		return b[start:], nil
	}
	return nil, nil
}

// HasEventSourceID reports whether m gets an "id:" line (the Event-Id header
// was present, even empty).
func HasEventSourceID(m *hub.Message) bool { return m.HasEventID || m.EventID != "" }

// HasEventSourceEvent reports whether m gets an "event:" line.
func HasEventSourceEvent(m *hub.Message) bool { return m.HasEventType || m.EventType != "" }

// AppendEventSourceID appends "id: <event-id>\n" when m has an event id, else
// returns dst unchanged.
func AppendEventSourceID(dst []byte, m *hub.Message) []byte {
	if !HasEventSourceID(m) {
		return dst
	}
	dst = append(dst, "id: "...)
	dst = append(dst, m.EventID...)
	return append(dst, '\n')
}

// AppendEventSourceEvent appends "event: <event-type>\n" when m has an event
// type, else returns dst unchanged.
func AppendEventSourceEvent(dst []byte, m *hub.Message) []byte {
	if !HasEventSourceEvent(m) {
		return dst
	}
	dst = append(dst, "event: "...)
	dst = append(dst, m.EventType...)
	return append(dst, '\n')
}
