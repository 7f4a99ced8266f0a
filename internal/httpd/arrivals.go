package httpd

import (
	"bytes"
	"runtime"
	"syscall"
	"time"
)

// Arrivals: nginx serves every connection from one event loop, so a request
// whose bytes arrived first is handled first. A client may therefore send a
// long-poll on one socket and, right after, a publish on another without
// waiting, and expect the subscriber to get the message even with storage
// off (keepalive_spec). Here each connection runs on its own goroutine and
// the publish could overtake the subscription, so:
//
//   - a connection counts as "arriving" (srv.arriving) from accept, from the
//     first bytes of a request, and from the moment a long-poll answer goes
//     out (Busy), until it is parked as a subscriber or routed to anything
//     but a subscriber (Settle), waits idle with no input, or ends;
//   - a new connection, or one that just answered a long-poll, waiting for
//     its next request is "hot" (srv.hot) for hotWindow: the client is likely
//     to send it at once. A hot connection waits for input without consuming it
//     and marks itself arriving before reading, so its next request is
//     always visible: as unread bytes in the kernel, or in the count;
//   - a publisher (AwaitArrivals) waits, at most max, until no hot
//     connection has unread input and the arriving count is zero.

const (
	hotWindow = time.Second // a busy client may take long to poll again
	maxHot    = 64          // hot connections a publisher looks at
)

// arrive marks the connection as in flight (idempotent).
func (c *conn) arrive() {
	if !c.arriving {
		c.arriving = true
		c.srv.arriving.Add(1)
	}
}

// settle ends the in-flight mark of the connection (idempotent).
func (c *conn) settle() {
	if c.arriving {
		c.arriving = false
		c.srv.arriving.Add(-1)
	}
}

// setHot adds or removes the connection from the hot set.
func (c *conn) setHot(on bool) {
	s := c.srv
	s.hotMu.Lock()
	if on {
		if s.hot == nil {
			s.hot = make(map[*conn]time.Time)
		}
		s.hot[c] = time.Now()
	} else {
		delete(s.hot, c)
	}
	s.hotMu.Unlock()
}

func (s *Server) isHot(c *conn) bool {
	s.hotMu.Lock()
	_, ok := s.hot[c]
	s.hotMu.Unlock()
	return ok
}

// hotConns lists the hot connections (at most maxHot), dropping the entries
// older than hotWindow.
func (s *Server) hotConns() []*conn {
	s.hotMu.Lock()
	defer s.hotMu.Unlock()
	if len(s.hot) == 0 {
		return nil
	}
	now := time.Now()
	out := make([]*conn, 0, min(len(s.hot), maxHot))
	for c, at := range s.hot {
		if now.Sub(at) > hotWindow {
			delete(s.hot, c)
			continue
		}
		if out = append(out, c); len(out) == maxHot {
			break
		}
	}
	return out
}

// inputReady reports, without blocking and without taking the socket's read
// lock (another goroutine may be blocked reading it), whether the socket has
// bytes to read; false when it cannot tell (TLS).
func (c *conn) inputReady() bool {
	rc := c.rawConn()
	if rc == nil {
		return false
	}
	var buf [1]byte
	ready := false
	_ = rc.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		ready = err == nil && n > 0
	})
	return ready
}

// waitReadable blocks (read deadline and Waker apply) until the socket is
// readable, without consuming anything: a hot connection marks itself
// arriving while its bytes are still in the kernel, where a publisher's
// inputReady sees them, so there is no moment at which a publisher can
// miss it.
func (c *conn) waitReadable() error {
	rc := c.rawConn()
	if rc == nil {
		return nil
	}
	var buf [1]byte
	return rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN // data, EOF or an error: the real read reports it
	})
}

// headBuffered reports whether the whole request head is already buffered.
func (c *conn) headBuffered() bool {
	br := c.reader()
	b, _ := br.Peek(br.Buffered())
	return bytes.Contains(b, []byte("\r\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// Settle tells the server this request no longer needs to be waited for by
// publishers: a subscriber calls it once its subscription is registered.
func (w *Response) Settle() { w.c.settle() }

// Busy marks the connection in flight again: a long-poll calls it right
// before its answer goes out, since the client's next request may follow
// at once.
func (w *Response) Busy() {
	w.c.arrive()
	w.c.hotNext = true
}

// AwaitArrivals settles this request, then waits at most max for the other
// connections in flight (typically subscribers being set up) to settle and
// for the hot connections with unread input to wake, so that a message
// published now reaches them as it would with nginx.
func (w *Response) AwaitArrivals(max time.Duration) {
	w.c.settle()
	s := w.c.srv
	// Let goroutines woken with this one run up to their arrive first.
	runtime.Gosched()
	// Yield for a short while (a subscriber settles within microseconds),
	// then sleep, so a request whose head trickles in slowly costs a
	// publisher at most max and little CPU.
	start := time.Now()
	for {
		if !s.mustWait() {
			return
		}
		switch waited := time.Since(start); {
		case waited >= max:
			return
		case waited < 200*time.Microsecond:
			runtime.Gosched()
		default:
			time.Sleep(100 * time.Microsecond)
		}
	}
}

// mustWait reports whether a publisher must still wait (see AwaitArrivals).
func (s *Server) mustWait() bool {
	// Hot connections first: one leaves the hot set only after it counts as
	// arriving, so reading the count second cannot miss it.
	for _, c := range s.hotConns() {
		if c.inputReady() {
			return true
		}
	}
	return s.arriving.Load() > 0
}
