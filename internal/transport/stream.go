package transport

import (
	"time"

	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
)

// Stream serves a streaming or eventsource subscriber (subscriber.md §5, §6).
type Stream struct {
	W           *httpd.Response
	Hub         *hub.Hub
	Wants       []hub.Want
	Point       hub.ReplayPoint
	T           *Templates
	EventSource bool
	ContentType string
	Ping        time.Duration // 0 = no pings
	TTL         time.Duration // 0 = no limit
	// Padding is nil when no rule applies; HeaderPad / MessagePad are the
	// rule's targets.
	Padding    *format.Padding
	HeaderPad  int
	MessagePad int
	// Retired is closed when the location was removed by a reload: the
	// subscriber then ends as on server stop.
	Retired <-chan struct{}

	live
	started bool
	pending [][]byte
}

// Serve runs the subscriber: the start here, then one turn per event
// (httpd.Response.Run); clean-up runs when the response ends.
func (s *Stream) Serve() {
	if s.start() {
		s.W.Run(s.step)
	}
}

// start attaches to the channels and writes the header and the replay,
// under mu.
func (s *Stream) start() bool {
	w := s.W
	s.ping = s.Ping
	s.open(s.Hub, w.Waker().Wake, s.direct)
	defer s.mu.Unlock()
	w.OnDone(s.cleanup)
	sub, replay, err := s.Hub.Attach(s.box, s.Wants, s.Point, hub.AttachLive)
	if err != nil {
		writeAttachError(w, err)
		return false
	}
	s.sub = sub
	w.Settle() // subscribed: publishers need not wait for this request

	// Without a header template nothing, not even the status line, is sent
	// before the first piece (pitfalls.md 13): flush() starts the response.
	if !s.writeHeader() {
		return false
	}
	for _, ms := range replay {
		for _, m := range ms {
			if !s.writeMessage(m) {
				return false
			}
		}
	}
	if !s.flush() {
		return false
	}
	s.startClock(s.TTL)
	return true
}

func (s *Stream) cleanup() { s.end() }

func (s *Stream) step(ev httpd.Event) (time.Time, bool) { return s.turn(s, ev) }

// Streaming clients have nothing to say; drop what they send.
func (s *Stream) onClientData() bool {
	r := s.W.Reader()
	_, _ = r.Discard(r.Buffered())
	return true
}

func (s *Stream) queueMessage(m *hub.Message) { s.writeMessage(m) }

func (s *Stream) writeQueued() bool {
	if len(s.pending) == 0 {
		return s.W.FlushPending() == nil
	}
	return s.flush()
}

func (s *Stream) sendPing() bool { return s.writePing() && s.flush() }

func (s *Stream) stopped() bool { return stopping(s.W.Stopping()) || stopping(s.Retired) }

// beginDirect takes the socket for a flusher; before the head is out the
// first piece is the connection goroutine's job.
func (s *Stream) beginDirect() bool { return s.started && s.W.TryBeginDirect() }

// direct writes queued live messages from a flusher without blocking; false
// means the connection goroutine must do it.
func (s *Stream) direct() bool {
	items, ok := s.takeDirect(s.beginDirect, s.W.EndDirect)
	if !ok {
		return false
	}
	defer s.mu.Unlock()
	defer s.W.EndDirect()
	for _, it := range items {
		s.writeMessage(it.m)
	}
	needWake, err := s.W.DirectPieces(s.pending)
	clear(s.pending)
	s.pending = s.pending[:0]
	if len(items) > 0 {
		s.touch(time.Now())
	}
	return err == nil && !needWake
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

func (s *Stream) writeHeader() bool {
	h := s.T.Header
	if s.EventSource {
		h = s.T.ESHeader
	}
	if len(h) == 0 {
		return true
	}
	if s.piece(h) != nil {
		return false
	}
	return s.pad(s.HeaderPad, len(h))
}

// pad writes the padding piece that brings a piece of length have up to target.
func (s *Stream) pad(target, have int) bool {
	if s.Padding == nil {
		return true
	}
	n := s.Padding.Size(target, have)
	if n <= 0 {
		return true
	}
	p := s.Padding.Stream(n)
	if s.EventSource {
		p = s.Padding.EventSource(n)
	}
	return s.piece(p) == nil
}

func (s *Stream) writeMessage(m *hub.Message) bool {
	if s.EventSource {
		if format.HasEventSourceID(m) {
			if s.piece(format.AppendEventSourceID(nil, m)) != nil {
				return false
			}
		}
		if format.HasEventSourceEvent(m) {
			if s.piece(format.AppendEventSourceEvent(nil, m)) != nil {
				return false
			}
		}
		b := renderES(s.T.ESMessage, m)
		if s.piece(b) != nil {
			return false
		}
		return s.pad(s.MessagePad, len(b))
	}
	b := render(s.T.Message, m)
	if s.piece(b) != nil {
		return false
	}
	return s.pad(s.MessagePad, len(b))
}

func (s *Stream) writePing() bool {
	if s.EventSource {
		return s.piece(format.EventSourcePing) == nil
	}
	b := render(s.T.Message, s.T.Ping)
	if s.piece(b) != nil {
		return false
	}
	return s.pad(s.MessagePad, len(b))
}

func (s *Stream) finish() {
	f := s.T.Footer
	if s.EventSource {
		f = s.T.ESFooter
	}
	_ = s.piece(f)
	if !s.flush() {
		return
	}
	if !s.started {
		if s.W.StartChunked(200, s.ContentType) != nil {
			return
		}
	}
	_ = s.W.Finish()
}

// piece queues one chunk; flush writes the queued chunks in one syscall
// (each still its own chunk), so a subscriber that fell behind catches up
// with one write instead of one per message.
func (s *Stream) piece(p []byte) error {
	if len(p) > 0 {
		s.pending = append(s.pending, p)
	}
	return nil
}

// flush writes the queued pieces, sending the status line and headers first
// if this is the response's first output.
func (s *Stream) flush() bool {
	if len(s.pending) == 0 {
		return true
	}
	if !s.started {
		s.started = true
		if err := s.W.StartChunked(200, s.ContentType); err != nil {
			return false
		}
	}
	err := s.W.WritePieces(s.pending)
	clear(s.pending)
	s.pending = s.pending[:0]
	return err == nil
}

// stopping reports whether the server is shutting down.
func stopping(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
