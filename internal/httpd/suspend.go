package httpd

import (
	"errors"
	"io"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// A long-lived response (a subscriber) spends nearly all its life waiting.
// Waiting in a parked goroutine costs that goroutine's stack (4 KiB once it
// has done any work), more than everything else a subscriber holds. So on a
// plain socket the wait holds no goroutine: the response is suspended, the
// idle poller (idlepoll_*.go) watches the socket, Wake and a timer watch the
// rest, and the first event starts a new goroutine that carries on.

// Step is one turn of a long-lived response: it acts on ev (0 on the first
// turn) and returns when it wants the next turn (deadline; zero means only
// on an event) or more == false when the response is over.
type Step func(ev Event) (deadline time.Time, more bool)

// Run drives step until it returns more == false. Between turns the
// connection waits for Wake, the deadline, client bytes or the client's
// close, as Park does. Run may return before the response ends: the handler
// must return right after Run and leave its clean-up to OnDone.
func (w *Response) Run(step Step) { w.c.run(w, step) }

// OnDone registers f to run when the response ends: after the handler has
// returned and the steps of Run are over. Hooks run last-registered first.
func (w *Response) OnDone(f func()) { w.done = append(w.done, f) }

// Run: see Response.Run. The connection is closed after the response ends.
func (c *Conn) Run(step Step) { c.c.run(c.w, step) }

// OnDone: see Response.OnDone.
func (c *Conn) OnDone(f func()) { c.w.OnDone(f) }

func (w *Response) runDone() {
	for i := len(w.done) - 1; i >= 0; i-- {
		f := w.done[i]
		w.done[i] = nil
		f()
	}
	w.done = nil
}

// Suspension states (conn.state): the low bit says suspended, the rest is
// the generation the idle poller was armed with.
const stateSuspended = 1

// Kick reasons (conn.kick).
const (
	kickAny  uint32 = 1 << iota // a Wake or the timer
	kickData                    // the idle poller saw the socket readable
)

var suspendGen atomic.Uint32

func (c *conn) run(w *Response, step Step) {
	w.step = step
	if !c.drive(w, 0) {
		w.suspended = true // the connection goroutine suspends it on its way out
	}
}

// drive runs turns until the response ends (true) or has to wait for an
// event that is not there yet on a suspendable connection (false).
func (c *conn) drive(w *Response, ev Event) bool {
	for {
		d, more := w.step(ev)
		if !more {
			w.step = nil
			return true
		}
		w.deadline = d
		if !c.suspendable() {
			ev, _ = c.park(w.waker, d)
			continue
		}
		if ev = c.readyEvent(w); ev == 0 {
			return false
		}
	}
}

func (c *conn) suspendable() bool { return c.rawConn() != nil && idle.ok() }

// readyEvent is what Park would return at once, or 0 when it would wait.
// Only the goroutine running the connection calls it.
func (c *conn) readyEvent(w *Response) Event {
	if c.srv.isStopping() {
		return EventWake
	}
	if b := c.buffered(); b > c.seen {
		c.seen = b
		return EventData
	}
	c.seen = c.buffered()
	if w.waker.pending.Swap(false) {
		return EventWake
	}
	if !w.deadline.IsZero() && !time.Now().Before(w.deadline) {
		return EventTimeout
	}
	return 0
}

// carry drives w from ev (0: wait for one first) until the response ends
// (keep: the connection may serve another request) or is suspended (the
// calling goroutine must then return without touching c again).
func (c *conn) carry(w *Response, ev Event) (keep, suspended bool) {
	for {
		if ev == 0 {
			if ev = c.suspend(w); ev == 0 {
				return false, true
			}
		}
		if c.drive(w, ev) {
			return c.endResponse(w), false
		}
		ev = 0
	}
}

// suspend hands w to the idle poller, Wake and the timer. It returns 0
// once w is suspended, or the event that is already there.
func (c *conn) suspend(w *Response) Event {
	for {
		if ev := c.readyEvent(w); ev != 0 {
			return ev
		}
		if c.bodyDone() {
			c.releaseReader() // nothing buffered: a waiting response holds no 4 KiB reader
		}
		gen := suspendGen.Add(1)
		c.parked = w
		c.kick.Store(0)
		c.armTimer(w.deadline)
		if err := idle.watch(c, gen); err != nil {
			return EventClosed
		}
		// Publish the suspension, then look once more: a Wake, timer or poller
		// event that came before the store only left a kick behind.
		st := uint64(gen)<<1 | stateSuspended
		c.state.Store(st)
		if c.kick.Load() == 0 && !w.waker.pending.Load() && !c.srv.isStopping() {
			return 0
		}
		if !c.state.CompareAndSwap(st, 0) {
			return 0 // a kick resumed it already, on another goroutine
		}
		if ev := c.pollEvent(w); ev != 0 {
			return ev
		}
	}
}

// kickResume resumes a suspended response on a new goroutine; gen 0
// matches any suspension. A kick while the connection runs is remembered
// for its next suspend.
func (c *conn) kickResume(why uint32, gen uint32) {
	c.kick.Or(why)
	st := c.state.Load()
	if st&stateSuspended == 0 || gen != 0 && uint32(st>>1) != gen {
		return
	}
	if c.state.CompareAndSwap(st, 0) {
		go c.resume()
	}
}

// resume carries on a suspended response after a kick.
func (c *conn) resume() {
	w := c.parked
	keep, suspended := c.carrySafely(w, c.pollEvent(w))
	if suspended {
		return
	}
	if !keep {
		c.finish()
		return
	}
	c.serveLoop()
}

// carrySafely is carry with the handler panic recovery of handle.
func (c *conn) carrySafely(w *Response, ev Event) (keep, suspended bool) {
	defer func() {
		if p := recover(); p != nil {
			c.logger().Error("httpd: handler panic", "panic", p)
			c.abandon(w)
			keep, suspended = false, false
		}
	}()
	return c.carry(w, ev)
}

// pollEvent is readyEvent plus, after a poller kick, a non-blocking read of
// the socket. 0: nothing happened after all (spurious kick).
func (c *conn) pollEvent(w *Response) Event {
	if ev := c.readyEvent(w); ev != 0 {
		return ev
	}
	if c.kick.Swap(0)&kickData == 0 {
		return 0
	}
	got, err := c.readNow()
	if got {
		c.seen = c.buffered()
		return EventData
	}
	if err != nil {
		return EventClosed
	}
	return 0
}

// errWouldBlock: a non-blocking read found nothing.
var errWouldBlock = errors.New("httpd: read would block")

// readNow reads what the socket has without waiting. got: new bytes are
// buffered; err: the connection ended (an error after bytes is left for
// the next read).
func (c *conn) readNow() (got bool, err error) {
	b := c.buffered()
	br := c.reader()
	if b >= br.Size() {
		return false, errInputFull
	}
	c.cr.nonblock = true
	_, err = br.Peek(b + 1)
	c.cr.nonblock = false
	if br.Buffered() > b {
		return true, nil
	}
	c.releaseReader()
	if errors.Is(err, errWouldBlock) {
		return false, nil
	}
	if err == nil {
		err = io.ErrUnexpectedEOF
	}
	return false, err
}

// armTimer makes the connection's timer kick at d (zero: never).
func (c *conn) armTimer(d time.Time) {
	if d.IsZero() {
		if c.timer != nil {
			c.timer.Stop()
		}
		return
	}
	if c.timer == nil {
		c.timer = time.AfterFunc(time.Until(d), c.timerFired)
		return
	}
	c.timer.Reset(time.Until(d))
}

func (c *conn) timerFired() { c.kickResume(kickAny, 0) }

// abandon ends a response whose handler or step panicked.
func (c *conn) abandon(w *Response) {
	defer func() { _ = recover() }() // a panicking hook must not take the server down
	w.suspended = false
	w.step = nil
	w.waker.close()
	c.cur.Store(c.idle)
	c.body = nil
	w.runDone()
}

// readOnce is one read(2) on a non-blocking socket as a raw syscall (the
// call never waits, so the runtime need not hand our P to another thread),
// retried on EINTR.
func readOnce(fd uintptr, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		r, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		switch errno {
		case 0:
			return int(r), nil
		case syscall.EINTR:
			continue
		}
		return 0, errno
	}
}
