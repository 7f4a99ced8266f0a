package transport

import (
	"net"
	"time"

	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/wsframe"
)

// WebSocket serves a websocket subscriber after its 101 and its checks
// (subscriber.md §8 step 5 on).
type WebSocket struct {
	C            *httpd.Conn
	Hub          *hub.Hub
	Wants        []hub.Want
	Point        hub.ReplayPoint
	T            *Templates
	Ping         time.Duration
	TTL          time.Duration
	AllowPublish bool
	Store        bool // push_stream_store_messages of the location, for published frames
	// Retired is closed when the location was removed by a reload: the
	// subscriber then ends as on server stop.
	Retired <-chan struct{}

	parser wsframe.Parser
	live
	dout [][]byte
}

// wsKey keys a message's encoded text frame in its render cache.
type wsKey struct{ k any }

func (s *WebSocket) frame(m *hub.Message) []byte {
	t := s.T.Message
	return m.Rendered(wsKey{t}, func(m *hub.Message) []byte {
		return wsframe.TextFrame(render(t, m))
	})
}

// Serve runs the connection: the start here, then one turn per event
// (httpd.Conn.Run); the connection closes when it ends.
func (s *WebSocket) Serve() {
	if s.start() {
		s.C.Run(s.step)
	}
}

// start attaches to the channels and writes the header and the replay,
// under mu.
func (s *WebSocket) start() bool {
	c := s.C
	s.ping = s.Ping
	s.open(s.Hub, c.Waker().Wake, s.direct)
	defer s.mu.Unlock()
	c.OnDone(s.cleanup)
	sub, replay, err := s.Hub.Attach(s.box, s.Wants, s.Point, hub.AttachLive)
	if err != nil {
		status, explain := 500, "Internal server error"
		if err == hub.ErrTooManyChannels || err == hub.ErrTooManySubscribers {
			status, explain = 403, err.Error()
		}
		_, _ = c.Write(wsframe.CloseFrame(status, explain))
		return false
	}
	s.sub = sub

	var out [][]byte
	if len(s.T.Header) > 0 {
		out = append(out, wsframe.TextFrame(s.T.Header))
	}
	for _, ms := range replay {
		for _, m := range ms {
			out = append(out, s.frame(m))
		}
	}
	if len(out) > 0 && c.WriteBuffers(net.Buffers(out)) != nil {
		return false
	}
	s.startClock(s.TTL)
	return true
}

func (s *WebSocket) cleanup() {
	s.end()
	_ = s.C.Close()
}

func (s *WebSocket) step(ev httpd.Event) (time.Time, bool) { return s.turn(s, ev) }

func (s *WebSocket) onClientData() bool { return s.readFrames() }

func (s *WebSocket) queueMessage(m *hub.Message) { s.dout = append(s.dout, s.frame(m)) }

// writeQueued sends all queued frames in one syscall.
func (s *WebSocket) writeQueued() bool {
	if len(s.dout) == 0 {
		return s.C.FlushPending() == nil
	}
	err := s.C.WriteBuffers(net.Buffers(s.dout))
	clear(s.dout)
	s.dout = s.dout[:0]
	return err == nil
}

func (s *WebSocket) sendPing() bool {
	_, err := s.C.Write(wsframe.PingFrame)
	return err == nil
}

func (s *WebSocket) stopped() bool { return stopping(s.C.Stopping()) || stopping(s.Retired) }

// direct writes queued live frames from a flusher without blocking.
func (s *WebSocket) direct() bool {
	items, ok := s.takeDirect(s.C.TryBeginDirect, s.C.EndDirect)
	if !ok {
		return false
	}
	defer s.mu.Unlock()
	defer s.C.EndDirect()
	if len(items) == 0 {
		return true
	}
	s.dout = s.dout[:0]
	for _, it := range items {
		s.dout = append(s.dout, s.frame(it.m))
	}
	needWake, err := s.C.DirectWrite(net.Buffers(s.dout))
	clear(s.dout)
	s.touch(time.Now())
	return err == nil && !needWake
}

// readFrames consumes what the client sent and acts on every complete
// frame. It returns false when the connection must end.
func (s *WebSocket) readFrames() bool {
	if b := s.C.ReadBuffered(); len(b) > 0 {
		s.parser.Feed(b)
	}
	for {
		ev, ok := s.parser.Next()
		if !ok {
			break
		}
		switch ev.Kind {
		case wsframe.Text:
			if s.AllowPublish && len(ev.Payload) > 0 {
				s.publish(ev.Payload)
			}
		case wsframe.Ping:
			if _, err := s.C.Write(wsframe.PongFrame); err != nil {
				return false
			}
		case wsframe.Pong:
		case wsframe.Close, wsframe.ProtocolError:
			_, _ = s.C.Write(wsframe.CloseFrame0)
			return false
		case wsframe.InvalidUTF8:
			return false
		}
	}
	return true
}

// publish sends a client's text frame to every channel of the connection
// in path order, except the events channel.
func (s *WebSocket) publish(payload []byte) {
	text := append([]byte(nil), payload...)
	for _, w := range s.Wants {
		if s.Hub.IsEventsChannel(w.ID) {
			continue
		}
		_, _ = s.Hub.Publish(w.ID, hub.Publish{Text: text, Store: s.Store})
	}
}

func (s *WebSocket) finish() {
	if len(s.T.Footer) > 0 {
		if _, err := s.C.Write(wsframe.TextFrame(s.T.Footer)); err != nil {
			return
		}
	}
	_, _ = s.C.Write(wsframe.CloseFrame0)
}
