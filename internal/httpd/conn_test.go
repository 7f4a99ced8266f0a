package httpd

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestGarbageGets400(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) { _ = w.WriteHeaderOnly(200) },
		func(s *Server) { s.MaxHeaderBytes = 1024 })
	tests := []struct{ name, in string }{
		{"garbage", "GARBAGE\r\n\r\n"},
		{"binary", "\x00\x01\x02\xff\r\n\r\n"},
		{"bad version", "GET / FOO/1.1\r\n\r\n"},
		{"bad header", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n"},
		{"bad content-length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"},
		{"two content-lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"},
		{"header too large", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 4000) + "\r\n\r\n"},
		{"http2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			br := bufio.NewReader(c)
			send(t, c, tt.in)
			head := readHead(t, br)
			if !strings.HasPrefix(head, "HTTP/1.1 400 Bad Request\r\n") || !strings.Contains(head, "Connection: close") {
				t.Fatalf("head %q", head)
			}
			if _, err := io.ReadAll(br); err != nil {
				t.Fatalf("want clean close: %v", err)
			}
		})
	}
}

func TestHandlerPanicClosesConnection(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) { panic("boom") },
		func(s *Server) { s.Logger = discardLogger() })
	c := dial(t, addr)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	expectEOF(t, bufio.NewReader(c))
}

func TestKeepAliveTimeout(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) { _ = w.WriteHeaderOnly(200) },
		func(s *Server) {
			s.KeepAliveTimeout = func(listen string) time.Duration {
				if listen != "127.0.0.1:9080" {
					t.Errorf("listen addr %q", listen)
				}
				return 50 * time.Millisecond
			}
		})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, br, "GET")
	start := time.Now()
	expectEOF(t, br)
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Fatalf("closed after %v", d)
	}
}

func TestKeepAliveDisabled(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) { _ = w.WriteHeaderOnly(200) },
		func(s *Server) { s.KeepAliveTimeout = func(string) time.Duration { return 0 } })
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readResponse(t, br, "GET"); !resp.Close {
		t.Fatal("want Connection: close")
	}
	expectEOF(t, br)
}

func TestSetCloseAfter(t *testing.T) {
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		w.SetCloseAfter()
		_ = w.WriteHeaderOnly(500)
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := readResponse(t, br, "GET"); !resp.Close || resp.StatusCode != 500 {
		t.Fatalf("resp %v close=%v", resp.Status, resp.Close)
	}
	expectEOF(t, br)
}

// TestHijack plays a tiny echo protocol over the hijacked connection with
// the same Park/Wake primitive, then checks bytes after the end are never
// parsed as HTTP.
func TestHijack(t *testing.T) {
	wakers := make(chan *Waker, 1)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		hc, err := w.Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		if _, err := hc.Write([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n")); err != nil {
			return
		}
		wakers <- hc.Waker()
		for {
			ev, _ := hc.Park(time.Time{})
			switch ev {
			case EventData:
				in := hc.ReadBuffered()
				if strings.Contains(string(in), "quit") {
					_, _ = hc.Write([]byte("bye"))
					return
				}
				_ = hc.WriteBuffers(net.Buffers{[]byte("echo:"), in, []byte(";")})
			case EventWake:
				_, _ = hc.Write([]byte("woken;"))
			default:
				return
			}
		}
	})
	c := dial(t, addr)
	br := bufio.NewReader(c)
	// The first client bytes arrive together with the request.
	send(t, c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\nearly")
	readHead(t, br)
	if got := readN(t, br, len("echo:early;")); got != "echo:early;" {
		t.Fatalf("got %q", got)
	}
	(<-wakers).Wake()
	if got := readN(t, br, len("woken;")); got != "woken;" {
		t.Fatalf("got %q", got)
	}
	for _, b := range []string{"a", "b"} {
		send(t, c, b)
		if got := readN(t, br, len("echo:a;")); got != "echo:"+b+";" {
			t.Fatalf("got %q", got)
		}
	}
	send(t, c, "quit GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := readN(t, br, 3); got != "bye" {
		t.Fatalf("got %q", got)
	}
	expectEOF(t, br)
}

func TestShutdownWakesParkedAndIdle(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	parked := make(chan struct{}, 1)
	s.Handler = HandlerFunc(func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		parked <- struct{}{}
		for {
			if ev, _ := w.Park(time.Time{}); ev != EventWake {
				return
			}
			select {
			case <-w.Stopping():
				_ = w.WritePiece([]byte("footer"))
				return
			default:
			}
		}
	})
	served := make(chan error, 1)
	go func() { served <- s.Serve(l, "x") }()

	idle := dial(t, l.Addr().String()) // connected, no request
	waitFor(t, "idle conn tracked", func() bool { return s.ConnCount() == 1 })
	sub := dial(t, l.Addr().String())
	br := bufio.NewReader(sub)
	send(t, sub, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-parked
	readHead(t, br)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != ErrServerClosed {
		t.Fatalf("Serve: %v", err)
	}
	if got := readN(t, br, len("6\r\nfooter\r\n0\r\n\r\n")); got != "6\r\nfooter\r\n0\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
	expectEOF(t, br)
	expectEOF(t, bufio.NewReader(idle))
	if _, err := net.Dial("tcp", l.Addr().String()); err == nil {
		t.Fatal("still accepting")
	}
}

// requestSeeds start both request fuzzers.
var requestSeeds = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"POST /pub?id=a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
	"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2",
	"GET / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
	"\x00\xff\r\n\r\n",
}

// FuzzRequest feeds arbitrary bytes to a connection: it must never panic and
// must always end.
func FuzzRequest(f *testing.F) {
	for _, seed := range requestSeeds {
		f.Add([]byte(seed))
	}
	s := &Server{Logger: discardLogger(), HeaderTimeout: time.Second, WriteTimeout: time.Second}
	s.Handler = HandlerFunc(func(w *Response, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
		switch r.URL.Path {
		case "/ws":
			if hc, err := w.Hijack(); err == nil {
				_ = hc.ReadBuffered()
			}
		case "/stream":
			_ = w.StartChunked(200, "text/plain")
			_ = w.WritePiece([]byte("x"))
		default:
			w.SetGzip(GzipPolicy{Enabled: true, Types: []string{"*"}})
			_ = w.WriteBody(200, "text/plain", []byte(r.RequestURI+strings.Repeat(".", 30)))
		}
	})
	s.init()
	f.Fuzz(func(t *testing.T, in []byte) {
		client, server := net.Pipe()
		c := &conn{srv: s, nc: server, listenAddr: "fuzz"}
		c.cr.nc = server
		c.idle = newWaker(c)
		if s.track(c) != nil {
			t.Fatal("server stopped")
		}
		done := make(chan struct{})
		go func() { defer close(done); c.serve() }()
		go func() { _, _ = io.Copy(io.Discard, client) }()
		_ = client.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = client.Write(in)
		_ = client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection goroutine did not end")
		}
	})
}
