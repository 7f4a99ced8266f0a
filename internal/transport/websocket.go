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

	parser wsframe.Parser
}

// wsKey keys a message's encoded text frame in its render cache.
type wsKey struct{ k any }

func (s *WebSocket) frame(m *hub.Message) []byte {
	t := s.T.Message
	return m.Rendered(wsKey{t}, func(m *hub.Message) []byte {
		return wsframe.TextFrame(render(t, m))
	})
}

// Serve runs the connection until it ends, then closes it.
func (s *WebSocket) Serve() {
	c := s.C
	defer c.Close()
	box := newMailbox(c.Waker().Wake)
	sub, replay, err := s.Hub.Attach(box, s.Wants, s.Point, hub.AttachLive)
	if err != nil {
		status, explain := 500, "Internal server error"
		if err == hub.ErrTooManyChannels || err == hub.ErrTooManySubscribers {
			status, explain = 403, err.Error()
		}
		_, _ = c.Write(wsframe.CloseFrame(status, explain))
		return
	}
	defer s.Hub.Detach(sub)

	if len(s.T.Header) > 0 {
		if _, err := c.Write(wsframe.TextFrame(s.T.Header)); err != nil {
			return
		}
	}
	for _, ms := range replay {
		for _, m := range ms {
			if _, err := c.Write(s.frame(m)); err != nil {
				return
			}
		}
	}
	now := time.Now()
	var end, nextPing time.Time
	if s.TTL > 0 {
		end = now.Add(s.TTL)
	}
	if s.Ping > 0 {
		nextPing = now.Add(s.Ping)
	}
	var out [][]byte
	for {
		items, over := box.drain()
		if over {
			return
		}
		// All queued frames go out in one syscall.
		out = out[:0]
		ended := false
		for _, it := range items {
			out = append(out, s.frame(it.m))
			if it.deleted && it.remaining == 0 {
				ended = true
				break
			}
			if !it.deleted && s.Ping > 0 {
				nextPing = time.Now().Add(s.Ping)
			}
		}
		if len(out) > 0 {
			bufs := net.Buffers(out)
			if c.WriteBuffers(bufs) != nil {
				return
			}
		}
		if ended {
			s.finish()
			return
		}
		if stopping(c.Stopping()) {
			s.finish()
			return
		}
		ev, _ := c.Park(earliest(end, nextPing))
		switch ev {
		case httpd.EventClosed:
			return
		case httpd.EventData:
			if !s.readFrames() {
				return
			}
		case httpd.EventTimeout:
			now := time.Now()
			if !end.IsZero() && !now.Before(end) {
				s.finish()
				return
			}
			if !nextPing.IsZero() && !now.Before(nextPing) {
				if _, err := c.Write(wsframe.PingFrame); err != nil {
					return
				}
				nextPing = now.Add(s.Ping)
			}
		}
	}
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
