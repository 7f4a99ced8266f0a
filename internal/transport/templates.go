package transport

import (
	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/hub"
)

// Templates are one location's templates, compiled once per effective
// settings (config.md §3: never per message, never twice).
type Templates struct {
	Header  []byte
	Footer  []byte
	Message *format.Template

	// EventSource forms (subscriber.md §6).
	ESHeader  []byte
	ESFooter  []byte
	ESMessage *format.Template

	// Ping is the id -1 message of streaming subscribers.
	Ping *hub.Message
}

// NewTemplates compiles the templates of s.
func NewTemplates(s *config.Settings, pingText string) *Templates {
	return &Templates{
		Header:    []byte(s.HeaderTemplate),
		Footer:    []byte(s.FooterTemplate),
		Message:   format.Compile(s.MessageTemplate),
		ESHeader:  []byte(format.EventSourceHeader(s.HeaderTemplate)),
		ESFooter:  []byte(format.EventSourceFooter(s.FooterTemplate)),
		ESMessage: format.Compile(format.EventSourceMessageTemplate(s.MessageTemplate)),
		Ping:      &hub.Message{ID: hub.IDPing, Text: []byte(pingText)},
	}
}

// render formats m with t once; the bytes are shared by every subscriber
// using the same template.
func render(t *format.Template, m *hub.Message) []byte {
	return m.Rendered(t, func(m *hub.Message) []byte { return t.Append(nil, m) })
}

// esKey keys the EventSource data piece in a message's render cache.
type esKey struct{ t *format.Template }

func renderES(t *format.Template, m *hub.Message) []byte {
	return m.Rendered(esKey{t}, func(m *hub.Message) []byte { return format.AppendEventSourceData(nil, t, m) })
}
