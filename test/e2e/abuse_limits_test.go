package e2e

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// Limits against abusive and slow clients: connection caps, header sizes, timeouts, channels per request.

// dialFrom connects to s from the local address ip (any 127.x.y.z works on loopback).
func dialFrom(t *testing.T, s *Server, ip string) *Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	nc, err := d.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

// openSubscriber starts a streaming subscriber on c and waits for its header (the template sends it at once).
func openSubscriber(t *testing.T, c *Conn, ch string) {
	t.Helper()
	c.Send(BuildRequest("GET", "/sub/"+ch, nil, nil))
	if r := c.ReadHead(5 * time.Second); r.Status != 200 {
		t.Fatalf("subscriber %s: status %d", ch, r.Status)
	}
}

// expectTooMany expects the 503 of a refused connection, then the close.
func expectTooMany(t *testing.T, c *Conn) {
	t.Helper()
	_ = c.TrySend(BuildRequest("GET", "/channels-stats", nil, nil))
	r, err := c.TryReadResp(5*time.Second, false)
	if err != nil {
		t.Fatalf("refused connection: %v", err)
	}
	if r.Status != 503 || !r.HasRawHeader("X-Nginx-PushStream-Explain", "Too many connections.") || !r.HasRawHeader("Connection", "close") {
		t.Fatalf("refused connection answered %d:\n%s", r.Status, r.RawHeader)
	}
	if !c.Closed(2 * time.Second) {
		t.Fatal("refused connection left open")
	}
}

func TestAbuseMaxConnections(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{ExtraHTTP: "push_stream_max_connections 50;"})
	held := make([]*Conn, 0, 50)
	for i := 0; i < 50; i++ {
		c := s.Dial(t)
		openSubscriber(t, c, "flood")
		held = append(held, c)
	}
	for i := 0; i < 30; i++ {
		expectTooMany(t, s.Dial(t))
	}
	// Freed slots are given again, and the 45 remaining subscribers are still connected.
	for _, c := range held[:5] {
		c.Close()
	}
	Eventually(t, 5*time.Second, func() bool {
		c := s.Dial(t)
		defer c.Close()
		c.Send(BuildRequest("GET", "/channels-stats?id=flood", nil, map[string]string{"Accept": "application/json"}))
		r, err := c.TryReadResp(5*time.Second, false)
		return err == nil && r.Status == 200 && strings.Contains(string(r.Body), `"subscribers": 45`)
	}, "no connection accepted after subscribers left, or subscribers lost")
}

func TestAbuseMaxConnectionsPerIP(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{ExtraHTTP: "push_stream_max_connections_per_ip 3;"})
	for i := 0; i < 3; i++ {
		openSubscriber(t, dialFrom(t, s, "127.0.0.1"), "ip")
	}
	expectTooMany(t, dialFrom(t, s, "127.0.0.1"))
	// Another client address is not affected.
	c := dialFrom(t, s, "127.0.0.2")
	c.Send(BuildRequest("GET", "/channels-stats", nil, nil))
	if r := c.ReadResp(5*time.Second, false); r.Status != 200 {
		t.Fatalf("other client: %d", r.Status)
	}
}

func TestAbuseSlowloris(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"client_header_timeout": "1s"}})

	slow := s.Dial(t)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one header byte every 100 ms, for ever
		req := "GET /channels-stats HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("z", 200)
		for i := 0; i < len(req); i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if slow.TrySend(req[i:i+1]) != nil {
				return
			}
		}
	}()
	idle := s.Dial(t) // connects and never sends a byte

	got := slow.ReadAll(5 * time.Second)
	if el := time.Since(start); len(got) != 0 || el > 3*time.Second {
		t.Fatalf("slow client got %q after %v; want a silent close after ~1s", got, el)
	}
	if !idle.Closed(3 * time.Second) {
		t.Fatal("idle connection not closed by client_header_timeout")
	}
	// A normal client is served meanwhile and after.
	if r := s.Do(t, "GET", "/channels-stats", nil, nil); r.Status != 200 {
		t.Fatalf("normal client: %d", r.Status)
	}
}

func TestAbuseLargeHeaders(t *testing.T) {
	t.Parallel()
	// The template sets client_header_buffer_size 1k and large_client_header_buffers 2 4k.
	s := Start(t, Conf{})
	tests := []struct {
		name   string
		req    string
		status int
		page   string
	}{
		{"fits", BuildRequest("GET", "/channels-stats", nil, map[string]string{"X-Big": strings.Repeat("a", 3000)}), 200, ""},
		{"request line", BuildRequest("GET", "/channels-stats?x="+strings.Repeat("a", 4100), nil, nil), 414, "414 Request-URI Too Large"},
		{"cookie", BuildRequest("GET", "/channels-stats", nil, map[string]string{"Cookie": strings.Repeat("c", 4100)}), 400, "Request Header Or Cookie Too Large"},
		{"many headers", BuildRequest("GET", "/channels-stats", nil, map[string]string{
			"X-A": strings.Repeat("a", 3000), "X-B": strings.Repeat("b", 3000), "X-C": strings.Repeat("c", 3000)}), 400, "Request Header Or Cookie Too Large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.DoRaw(t, tt.req)
			if r.Status != tt.status || !strings.Contains(string(r.Body), tt.page) {
				t.Fatalf("status %d body %q", r.Status, r.Body)
			}
			if tt.status != 200 && !r.HasRawHeader("Connection", "close") {
				t.Errorf("connection kept after %d", r.Status)
			}
		})
	}
}

func TestAbuseBodyTimeout(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"client_body_timeout": "1s"}})
	c := s.Dial(t)
	start := time.Now()
	c.Send("POST /pub?id=ch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nonly ten b")
	r := c.ReadResp(5*time.Second, false)
	if r.Status != 408 || time.Since(start) > 3*time.Second {
		t.Fatalf("status %d after %v", r.Status, time.Since(start))
	}
	if !c.Closed(2 * time.Second) {
		t.Error("connection kept after a body timeout")
	}
	// Nothing was published.
	if n := subPublished(t, s, "ch"); n > 0 {
		t.Errorf("published_messages = %d after a timed out publish", n)
	}
}

func TestAbuseMaxChannelsPerRequest(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{SubscriberMode: "polling", HTTP: map[string]string{"push_stream_max_channels_per_request": "2"}})
	s.PublishOK(t, "a", "x")
	assertHeaderOnly(t, s.Do(t, "GET", "/sub/a/b/c", nil, nil), 400, "Too many channels in one request.")
	if r := s.Do(t, "GET", "/sub/a.b1/b", nil, nil); r.Status != 200 {
		t.Fatalf("two channels: %d", r.Status)
	}
	// Publishers obey it too (the value is inherited from http).
	assertHeaderOnly(t, s.Publish(t, "a/b/c", "x", nil), 400, "Too many channels in one request.")
	if r := s.Do(t, "GET", "/channels-stats?id=c", nil, nil); r.Status != 404 {
		t.Errorf("refused request created channel c: %d", r.Status)
	}
}
