package bench

import (
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
