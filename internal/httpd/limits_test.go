package httpd

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func okHandler(w *Response, r *http.Request) { _ = w.WriteHeaderOnly(200) }

// hold parks every request until the client goes away, like a subscriber.
func hold(w *Response, r *http.Request) {
	_ = w.StartChunked(200, "text/plain")
	for {
		if ev, _ := w.Park(timeZero); ev == EventClosed || ev == EventWake {
			return
		}
	}
}

func withLimits(l Limits) func(*Server) { return func(s *Server) { s.SetLimits(l) } }

// openHeld opens a held request and waits for its response head.
func openHeld(t *testing.T, d *net.Dialer, addr string) net.Conn {
	t.Helper()
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if h := readHead(t, bufio.NewReader(c)); !strings.HasPrefix(h, "HTTP/1.1 200") {
		t.Fatalf("head %q", h)
	}
	return c
}

// expect503 dials and expects the over-limit answer.
func expect503(t *testing.T, d *net.Dialer, addr string) {
	t.Helper()
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := readResponse(t, bufio.NewReader(c), "GET")
	if resp.StatusCode != 503 || !strings.Contains(body, "503 Service Unavailable") || resp.Header.Get("X-Nginx-PushStream-Explain") != "Too many connections." {
		t.Fatalf("got %d %v %q", resp.StatusCode, resp.Header, body)
	}
}

func TestMaxConns(t *testing.T) {
	s, addr := startServer(t, hold, withLimits(Limits{MaxConns: 3}))
	d := &net.Dialer{}
	held := []net.Conn{openHeld(t, d, addr), openHeld(t, d, addr), openHeld(t, d, addr)}
	expect503(t, d, addr)
	expect503(t, d, addr)
	if n := s.ConnCount(); n != 3 {
		t.Fatalf("ConnCount %d", n)
	}
	held[0].Close()
	waitFor(t, "a slot to free", func() bool { return s.ConnCount() == 2 })
	openHeld(t, d, addr)
}

func TestMaxConnsPerIP(t *testing.T) {
	_, addr := startServer(t, hold, withLimits(Limits{MaxConnsPerIP: 2}))
	one := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
	two := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	openHeld(t, one, addr)
	openHeld(t, one, addr)
	expect503(t, one, addr)
	openHeld(t, two, addr) // another client is not affected
}

func TestHeaderTimeout(t *testing.T) {
	_, addr := startServer(t, okHandler, withLimits(Limits{HeaderTimeout: 300 * time.Millisecond}))
	t.Run("slowloris", func(t *testing.T) {
		c := dial(t, addr)
		start := time.Now()
		// One byte every 50 ms: each read is quick, the head never ends.
		go func() {
			for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 100)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		rest, _ := io.ReadAll(c)
		if el := time.Since(start); len(rest) != 0 || el > 2*time.Second {
			t.Fatalf("got %q after %v, want a silent close near 300ms", rest, el)
		}
	})
	t.Run("idle new connection", func(t *testing.T) {
		c := dial(t, addr)
		start := time.Now()
		rest, _ := io.ReadAll(c)
		if el := time.Since(start); len(rest) != 0 || el > 2*time.Second {
			t.Fatalf("got %q after %v", rest, el)
		}
	})
}

func TestHeaderSizeLimits(t *testing.T) {
	_, addr := startServer(t, okHandler, withLimits(Limits{MaxHeaderBytes: 2048, MaxLineBytes: 1024}))
	tests := []struct {
		name, req, status string
		page              string
	}{
		{"fits", "GET /" + strings.Repeat("a", 900) + " HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("b", 1000) + "\r\n\r\n", "HTTP/1.1 200 OK", ""},
		{"request line", "GET /" + strings.Repeat("a", 1100) + " HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414 Request-URI Too Large", "414 Request-URI Too Large"},
		{"header line", "GET / HTTP/1.1\r\nHost: x\r\nCookie: " + strings.Repeat("c", 1100) + "\r\n\r\n", "HTTP/1.1 400 Bad Request", "Request Header Or Cookie Too Large"},
		{"whole head", "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + strings.Repeat("a", 900) + "\r\nX-B: " + strings.Repeat("b", 900) + "\r\nX-C: " + strings.Repeat("c", 900) + "\r\n\r\n", "HTTP/1.1 400 Bad Request", "Request Header Or Cookie Too Large"},
		{"long body line is not a header", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\n\r\n" + strings.Repeat("d", 1500), "HTTP/1.1 200 OK", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			send(t, c, tt.req)
			br := bufio.NewReader(c)
			head := readHead(t, br)
			if !strings.HasPrefix(head, tt.status+"\r\n") {
				t.Fatalf("head %q", head)
			}
			if tt.page != "" {
				if body, _ := io.ReadAll(br); !strings.Contains(string(body), tt.page) {
					t.Fatalf("body %q", body)
				}
			}
		})
	}
}

func TestBodyTimeout(t *testing.T) {
	got := make(chan error, 1)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		got <- err
		_ = w.WriteHeaderOnly(408)
	}, withLimits(Limits{BodyTimeout: 200 * time.Millisecond}))
	c := dial(t, addr)
	send(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
	select {
	case err := <-got:
		if !IsTimeout(err) {
			t.Fatalf("body read error %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("body read never timed out")
	}
}

func TestSendTimeout(t *testing.T) {
	done := make(chan error, 1)
	big := make([]byte, 1<<20)
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		if err := w.StartChunked(200, "text/plain"); err != nil {
			done <- err
			return
		}
		for {
			if err := w.WritePiece(big); err != nil {
				done <- err
				return
			}
		}
	}, withLimits(Limits{SendTimeout: 200 * time.Millisecond}))
	c := dial(t, addr)
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	send(t, c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-done:
		if !errors.Is(err, ErrWritten) && !IsTimeout(err) {
			t.Fatalf("write error %v, want a timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a client that does not read was never cut")
	}
}

func TestHeadScan(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   error
	}{
		{"ok", []string{"GET / HTTP/1.1\r\nA: 1234567890\r\n\r\n"}, nil},
		{"line exactly max", []string{"GET /12345678 HTTP/1.1\r\n\r\n"}, nil},
		{"request line", []string{"GET /123456789 HTTP/1.1\r\n"}, errRequestLineTooLarge},
		{"split CRLF", []string{"GET /12345678 HTTP/1.1\r", "\n\r\n"}, nil},
		{"header", []string{"GET / HTTP/1.1\r\nA: ", "12345678901234567890\r\n"}, errHeaderLineTooLarge},
		{"unterminated", []string{"GET / HTTP/1.1\r\nA: 1234567890123456789012345"}, errHeaderLineTooLarge},
		{"body ignored", []string{"GET / HTTP/1.1\r\n\r\n" + strings.Repeat("x", 100)}, nil},
		{"bare LF", []string{"GET / HTTP/1.1\nA: b\n\n" + strings.Repeat("x", 100)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h headScan
			h.reset(22) // "GET /12345678 HTTP/1.1" is 22 bytes
			var err error
			for _, c := range tt.chunks {
				err = h.feed([]byte(c))
			}
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
}
