package hub

// Special message ids (spec README §1): never stored, never counted.
const (
	IDPing     = -1
	IDDeleted  = -2
	IDTimedOut = -3
)

// Message is one published message. It is immutable after the hub created it,
// so every transport may read it without locks.
type Message struct {
	ID        int64
	Channel   string
	Text      []byte
	Time      int64 // Unix seconds (0 for special messages)
	Tag       int64 // server-wide per-second counter (0 for special messages)
	EventID   string
	EventType string
	Expires   int64 // Unix seconds; 0 = never (special messages)

	// HasEventID / HasEventType distinguish "header absent" from "present but empty".
	HasEventID   bool
	HasEventType bool

	cache renderCache // formatted bytes per (template, mode), filled lazily
}
