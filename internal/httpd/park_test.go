package httpd

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// parkRecorder serves requests whose handler parks once and reports the event.
func parkRecorder(t *testing.T, deadline time.Duration) (string, chan Event, chan *Response) {
	events := make(chan Event, 4)
	resps := make(chan *Response, 4)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		var d time.Time
		if deadline > 0 {
			d = time.Now().Add(deadline)
		}
		resps <- w
		ev, _ := w.Park(d)
		if ev == EventData {
			// Consume exactly what is buffered; reading more could block.
			br := w.Reader()
			_, _ = br.Discard(br.Buffered())
		}
		_ = w.WritePiece([]byte(ev.String()))
		events <- ev
	})
	return addr, events, resps
}

func TestParkEvents(t *testing.T) {
	t.Run("wake", func(t *testing.T) {
		addr, events, resps := parkRecorder(t, 0)
		c := dial(t, addr)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		(<-resps).Waker().Wake()
		if ev := <-events; ev != EventWake {
			t.Fatalf("got %v", ev)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		addr, events, _ := parkRecorder(t, 50*time.Millisecond)
		c := dial(t, addr)
		start := time.Now()
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if ev := <-events; ev != EventTimeout || time.Since(start) < 50*time.Millisecond {
			t.Fatalf("got %v after %v", ev, time.Since(start))
		}
	})
	t.Run("data", func(t *testing.T) {
		addr, events, resps := parkRecorder(t, 0)
		c := dial(t, addr)
		br := bufio.NewReader(c)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		<-resps
		readHead(t, br) // the handler is at (or about to) Park
		send(t, c, "xyz")
		if ev := <-events; ev != EventData {
			t.Fatalf("got %v", ev)
		}
	})
	t.Run("closed", func(t *testing.T) {
		addr, events, resps := parkRecorder(t, 0)
		c := dial(t, addr)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		<-resps
		c.Close()
		if ev := <-events; ev != EventClosed {
			t.Fatalf("got %v", ev)
		}
	})
	t.Run("wake before park", func(t *testing.T) {
		events := make(chan Event, 1)
		_, addr := startServer(t, func(w *Response, r *http.Request) {
			w.Waker().Wake()
			w.Waker().Wake()
			ev, _ := w.Park(time.Time{})
			events <- ev
			_ = w.WriteHeaderOnly(200)
		})
		c := dial(t, addr)
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if ev := <-events; ev != EventWake {
			t.Fatalf("got %v", ev)
		}
	})
	t.Run("stale waker does not disturb next request", func(t *testing.T) {
		var stale atomic.Pointer[Waker]
		_, addr := startServer(t, func(w *Response, r *http.Request) {
			if old := stale.Swap(w.Waker()); old != nil {
				old.Wake() // the previous request's waker: must be a no-op
			}
			ev, _ := w.Park(time.Now().Add(30 * time.Millisecond))
			_ = w.WriteBody(200, "text/plain", []byte(ev.String()))
		})
		c := dial(t, addr)
		br := bufio.NewReader(c)
		for range 3 {
			send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, body := readResponse(t, br, "GET"); body != "timeout" {
				t.Fatalf("got %q", body)
			}
		}
	})
}

// TestParkWakeStress: many goroutines wake while the connection goroutine
// parks and writes; no wake may be lost, so the handler always sees the
// final count.
func TestParkWakeStress(t *testing.T) {
	const producers, perProducer, rounds = 8, 500, 5
	var produced atomic.Int64
	wakers := make(chan *Waker, 1)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		wakers <- w.Waker()
		target := int64(producers * perProducer)
		for {
			if produced.Load() == target {
				_ = w.WritePiece([]byte("done"))
				return
			}
			ev, err := w.Park(time.Time{})
			if ev != EventWake {
				t.Errorf("park: %v %v", ev, err)
				return
			}
			// Writing while wakes keep arriving must not lose any.
			if err := w.WritePiece([]byte(".")); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	})
	for round := range rounds {
		produced.Store(0)
		c := dial(t, addr)
		br := bufio.NewReader(c)
		go func() { _ = drainUntil(br, "4\r\ndone\r\n") }()
		send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		wk := <-wakers
		var wg sync.WaitGroup
		for range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perProducer {
					produced.Add(1)
					wk.Wake()
				}
			}()
		}
		wg.Wait()
		waitFor(t, fmt.Sprintf("round %d handler to finish", round), func() bool {
			// The handler returns after "done": the waker is closed then.
			wk.mu.Lock()
			defer wk.mu.Unlock()
			return wk.closed
		})
		c.Close()
	}
}

func drainUntil(br *bufio.Reader, marker string) error {
	var tail []byte
	for {
		b, err := br.ReadByte()
		if err != nil {
			return err
		}
		tail = append(tail, b)
		if len(tail) > len(marker) {
			tail = tail[1:]
		}
		if string(tail) == marker {
			return nil
		}
	}
}

// TestWakeDuringBodyRead: a wake while the handler reads the request body
// must not break the read; it stays pending for the next Park.
func TestWakeDuringBodyRead(t *testing.T) {
	wakers := make(chan *Waker, 1)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		wakers <- w.Waker()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("body read: %v", err)
		}
		ev, _ := w.Park(time.Time{})
		_ = w.WriteBody(200, "text/plain", []byte(string(body)+":"+ev.String()))
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab")
	wk := <-wakers
	wk.Wake()
	wk.Wake()
	send(t, c, "cde")
	if _, body := readResponse(t, br, "POST"); body != "abcde:wake" {
		t.Fatalf("got %q", body)
	}
}
