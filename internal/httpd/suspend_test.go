package httpd

import (
	"bufio"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runRecorder serves requests with Response.Run: every turn writes the
// event's name as one chunk; a "stop" wake, the deadline or the client's
// close ends the response. Hooks and turns are counted.
type runRecorder struct {
	addr     string
	wakers   chan *Waker
	stop     atomic.Bool
	done     atomic.Int32
	turns    atomic.Int32
	deadline time.Duration
}

func newRunRecorder(t *testing.T, deadline time.Duration) *runRecorder {
	rr := &runRecorder{wakers: make(chan *Waker, 64), deadline: deadline}
	_, rr.addr = startServer(t, func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		w.OnDone(func() { rr.done.Add(1) })
		rr.wakers <- w.Waker()
		w.Run(func(ev Event) (time.Time, bool) {
			rr.turns.Add(1)
			switch ev {
			case 0:
				_ = w.WritePiece([]byte("start"))
			case EventData:
				br := w.Reader()
				b, _ := br.Peek(br.Buffered())
				_ = w.WritePiece([]byte("data:" + string(b)))
				_, _ = br.Discard(len(b))
			case EventClosed:
				return time.Time{}, false
			default:
				_ = w.WritePiece([]byte(ev.String()))
				if ev == EventTimeout || rr.stop.Load() {
					return time.Time{}, false
				}
			}
			var d time.Time
			if rr.deadline > 0 {
				d = time.Now().Add(rr.deadline)
			}
			return d, true
		})
	})
	return rr
}

// chunk reads one chunk of a chunked body.
func chunk(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	size, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("chunk size: %v", err)
	}
	var n int
	for _, c := range strings.TrimSpace(size) {
		n = n*16 + strings.IndexRune("0123456789abcdef", c)
	}
	body := readN(t, br, n+2)
	return body[:n]
}

func TestRunResumesOnEveryEvent(t *testing.T) {
	if !idle.ok() {
		t.Skip("no idle poller on this platform")
	}
	rr := newRunRecorder(t, 0)
	c := dial(t, rr.addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	wk := <-rr.wakers
	readHead(t, br)
	if got := chunk(t, br); got != "start" {
		t.Fatalf("first turn wrote %q", got)
	}
	for i := 0; i < 3; i++ {
		wk.Wake()
		if got := chunk(t, br); got != "wake" {
			t.Fatalf("wake %d: turn wrote %q", i, got)
		}
		send(t, c, "abc")
		if got := chunk(t, br); got != "data:abc" {
			t.Fatalf("data %d: turn wrote %q", i, got)
		}
	}
	rr.stop.Store(true)
	wk.Wake()
	if got := chunk(t, br); got != "wake" {
		t.Fatalf("last turn wrote %q", got)
	}
	if got := chunk(t, br); got != "" {
		t.Fatalf("want the last chunk, got %q", got)
	}
	waitFor(t, "OnDone", func() bool { return rr.done.Load() == 1 })
}

func TestRunTimeoutAndClose(t *testing.T) {
	rr := newRunRecorder(t, 30*time.Millisecond)
	c := dial(t, rr.addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-rr.wakers
	readHead(t, br)
	start := time.Now()
	if got := chunk(t, br); got != "start" {
		t.Fatalf("first turn wrote %q", got)
	}
	if got := chunk(t, br); got != "timeout" || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("got %q after %v", got, time.Since(start))
	}
	// The response ended on the timeout; the connection serves the next
	// request, which the client abandons while it waits.
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-rr.wakers
	c.Close()
	waitFor(t, "OnDone of both responses", func() bool { return rr.done.Load() == 2 })
}

// Suspended responses hold no goroutine, and a server stop resumes them.
func TestRunHoldsNoGoroutine(t *testing.T) {
	if !idle.ok() {
		t.Skip("no idle poller on this platform")
	}
	rr := newRunRecorder(t, 0)
	base := runtime.NumGoroutine()
	const n = 50
	var readers []*bufio.Reader
	for i := 0; i < n; i++ {
		c := dial(t, rr.addr)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		readHead(t, br)
		if got := chunk(t, br); got != "start" {
			t.Fatalf("first turn wrote %q", got)
		}
		readers = append(readers, br)
	}
	// Each dial leaves nothing on the client side but the socket; the
	// server side holds no goroutine per waiting response.
	waitFor(t, "goroutines back near the baseline", func() bool { return runtime.NumGoroutine() < base+n/5 })
	rr.stop.Store(true)
	for i := 0; i < n; i++ {
		(<-rr.wakers).Wake()
	}
	for i, br := range readers {
		if got := chunk(t, br); got != "wake" {
			t.Fatalf("subscriber %d: %q", i, got)
		}
	}
	waitFor(t, "every OnDone", func() bool { return rr.done.Load() == n })
}
