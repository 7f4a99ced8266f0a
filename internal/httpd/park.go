package httpd

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Event is why Park returned.
type Event uint8

const (
	// EventWake: Waker.Wake was called (or the server is stopping: check
	// Stopping). Wakes coalesce: many Wake calls may yield one EventWake, and
	// a spurious EventWake is possible, so re-check your queue.
	EventWake Event = iota + 1
	// EventTimeout: the deadline passed.
	EventTimeout
	// EventData: new client bytes are buffered (Response.Reader,
	// Conn.ReadBuffered). Reported once per arrival.
	EventData
	// EventClosed: the client closed the connection or it failed.
	EventClosed
)

func (e Event) String() string {
	switch e {
	case EventWake:
		return "wake"
	case EventTimeout:
		return "timeout"
	case EventData:
		return "data"
	case EventClosed:
		return "closed"
	}
	return "unknown"
}

// errInputFull: the client filled the read buffer with bytes nobody consumes
// (e.g. pipelined requests behind a subscriber); the connection is dropped.
var errInputFull = errors.New("httpd: unread client input exceeds the buffer")

// aLongTimeAgo is a non-zero time in the past: setting it as a read deadline
// makes a blocked read return at once.
var aLongTimeAgo = time.Unix(1, 0)

// Waker interrupts a parked connection goroutine. Wake is safe from any
// goroutine, never blocks on the network and coalesces. It only touches the
// socket while the goroutine is inside Park, so a request body being read is
// never disturbed. A Waker belongs to one request (or one hijacked
// connection); after that ends Wake is a no-op, so a stale reference held
// elsewhere cannot disturb the next request.
type Waker struct {
	pending atomic.Bool
	mu      sync.Mutex // orders Wake's deadline change against enter/leave/close
	parking bool
	closed  bool
	c       *conn
}

func newWaker(c *conn) *Waker { return &Waker{c: c} }

// Wake makes the current or next Park return EventWake.
func (w *Waker) Wake() {
	if w == nil || w.pending.Load() {
		return // a wake is already pending; it will be seen
	}
	w.mu.Lock()
	// Flag first, deadline second: Park marks itself parking and sets its
	// deadline before it checks the flag, so either Park sees the flag or our
	// deadline change lands after Park's and interrupts its read.
	wake := !w.closed && !w.pending.Swap(true)
	if wake && w.parking {
		_ = w.c.nc.SetReadDeadline(aLongTimeAgo)
	}
	w.mu.Unlock()
	if wake {
		w.c.kickResume(kickAny, 0) // a suspended response (suspend.go)
	}
}

func (w *Waker) enter() {
	w.mu.Lock()
	w.parking = true
	w.mu.Unlock()
}

// leave ends a Park; once it returns no Wake moves the read deadline.
func (w *Waker) leave() {
	w.mu.Lock()
	w.parking = false
	w.mu.Unlock()
}

// close disables the waker; after it returns no Wake touches the socket.
func (w *Waker) close() {
	w.mu.Lock()
	w.closed = true
	w.parking = false
	w.mu.Unlock()
}

// park blocks the connection goroutine until a wake, the deadline (zero =
// none), new client bytes or the end of the connection.
func (c *conn) park(w *Waker, deadline time.Time) (Event, error) {
	w.enter()
	defer w.leave()
	for {
		if c.srv.isStopping() {
			return EventWake, nil
		}
		b := c.buffered()
		if b > c.seen {
			c.seen = b
			return EventData, nil
		}
		c.seen = b
		c.readDL = time.Time{} // Wake moves it behind our back
		if err := c.nc.SetReadDeadline(deadline); err != nil {
			return EventClosed, fmt.Errorf("park: set deadline: %w", err)
		}
		if w.pending.Swap(false) {
			return EventWake, nil
		}
		err := c.waitInput(b)
		if err == nil {
			continue // new bytes: reported at the top of the loop
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if w.pending.Swap(false) {
				return EventWake, nil
			}
			if !deadline.IsZero() && !time.Now().Before(deadline) {
				return EventTimeout, nil
			}
			continue // spurious (defensive): re-arm and wait again
		}
		return EventClosed, err
	}
}

// waitInput blocks until more than b bytes are available. With nothing
// buffered it gives the read buffer back to the pool and waits on a small
// inline array, so a parked connection holds no 4 KiB buffer.
func (c *conn) waitInput(b int) error {
	if c.hotWait && b == 0 {
		if err := c.waitReadable(); err != nil {
			return err
		}
		c.hotWait = false
		c.arrive() // before the bytes leave the kernel (arrivals.go)
	}
	if b == 0 && c.bodyDone() && !c.awaitingRequest {
		c.releaseReader()
		n, err := c.nc.Read(c.cr.pending[:])
		if n > 0 {
			c.cr.pn, c.cr.po = n, 0
			// Move the bytes into the bufio.Reader; no syscall happens.
			_, _ = c.reader().Peek(n)
			return nil
		}
		if err == nil {
			return nil
		}
		return err
	}
	br := c.reader()
	if b >= br.Size() {
		return errInputFull
	}
	_, err := br.Peek(b + 1)
	return err
}
