//go:build linux

package bench

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestPublisher(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Query().Get("id") {
		case "close": // like nginx after keepalive_requests
			w.Header().Set("Connection", "close")
		case "chunked":
			w.Write([]byte("part one "))
			w.(http.Flusher).Flush()
			w.Write([]byte("part two"))
			return
		case "forbidden":
			w.WriteHeader(http.StatusForbidden)
			return
		}
		io.WriteString(w, `{"channel": "x"}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	o := Options{URL: srv.URL, Timeout: 2 * time.Second}
	o.Defaults("pubonly")
	if err := o.resolve(); err != nil {
		t.Fatal(err)
	}
	p := newPublisher(&o)
	defer p.close()
	for i := 1; i <= 5; i++ {
		for _, ch := range []string{"plain", "chunked"} {
			if err := p.publish(ch, 0, int64(i)); err != nil {
				t.Fatalf("%s %d: %v", ch, i, err)
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("keep-alive publisher used %d connections", n)
	}
	for i := 1; i <= 3; i++ {
		if err := p.publish("close", 0, int64(i)); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 3 { // the first reuses the keep-alive one
		t.Errorf("after 3 'Connection: close' answers: %d connections, want 3", n)
	}
	var se *StatusError
	if err := p.publish("forbidden", 0, 1); !errors.As(err, &se) || se.Status != 403 {
		t.Errorf("forbidden: %v", err)
	}
}

func TestPublishNoAlloc(t *testing.T) {
	// A raw server that allocates nothing per request: every request has the
	// same length because seq keeps 4 digits and the time 19.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := Options{URL: "http://" + ln.Addr().String()}
	o.Defaults("pubonly")
	o.resolve()
	p := newPublisher(&o)
	defer p.close()
	reqLen := make(chan int, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		answer := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		n := <-reqLen
		for {
			if _, err := io.ReadFull(c, buf[:n]); err != nil {
				return
			}
			c.Write(answer)
		}
	}()
	seq := int64(1000)
	p.body = AppendPayload(p.body[:0], 0, seq, time.Now().UnixNano(), o.Size)
	reqLen <- len("POST /pub?id=warm HTTP/1.1\r\nHost: ") + len(o.host) +
		len("\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n") + len(p.body)
	allocs := testing.AllocsPerRun(50, func() {
		seq++
		if err := p.publish("warm", 0, seq); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("allocs per publish = %v", allocs)
	}
}

// serveKeepAlive answers every POST on c with 200 until n answers, then
// closes the connection without warning (like a server's keep-alive limit
// or idle timeout), or answers status 403 when forbid is set.
func serveKeepAlive(c net.Conn, n int, forbid bool) {
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		if forbid {
			io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
			continue
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	}
	br.Peek(1) // the next request arrives, then the connection closes unanswered
}

func TestPublishAllRetriesClosedKeepAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go serveKeepAlive(c, 3, false)
		}
	}()
	o := Options{URL: "http://" + ln.Addr().String(), Messages: 40, Publishers: 2, Channels: 2, Timeout: 5 * time.Second}
	o.Defaults("pubonly")
	if err := o.resolve(); err != nil {
		t.Fatal(err)
	}
	pr := publishAll(&o, func(p int) int { return split(40, 2, p) }, func(p int) []int { return []int{p} })
	if pr.total() != 40 || pr.errors != 0 || pr.firstErr != nil {
		t.Fatalf("published %d, %d errors (%v), want 40 without errors", pr.total(), pr.errors, pr.firstErr)
	}
	if got := pr.rtt.Summary().Count; got != 40 {
		t.Errorf("round trips recorded %d, want 40", got)
	}
	if n := conns.Load(); n < 14 {
		t.Errorf("%d connections: the server closed one every 3 answers, so 40 publishes need at least 14", n)
	}
}

func TestPublishAllCountsStatusErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveKeepAlive(c, 1000, true)
		}
	}()
	o := Options{URL: "http://" + ln.Addr().String(), Messages: 10, Publishers: 1, Timeout: 5 * time.Second}
	o.Defaults("pubonly")
	if err := o.resolve(); err != nil {
		t.Fatal(err)
	}
	pr := publishAll(&o, func(int) int { return 10 }, func(int) []int { return []int{0} })
	var se *StatusError
	if pr.total() != 0 || pr.errors != 10 || !errors.As(pr.firstErr, &se) || se.Status != 403 {
		t.Fatalf("published %d, errors %d, first %v; want 0, 10, status 403", pr.total(), pr.errors, pr.firstErr)
	}
}
