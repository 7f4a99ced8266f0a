package e2e

import (
	"fmt"
	"testing"
	"time"
)

// Long-polling (subscriber.md §7, worked example (e), pitfall 8).

func TestSubLongPollingWaitsForMessage(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("long-polling", map[string]string{
		"push_stream_header_template": "H",
		"push_stream_footer_template": "F",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch1/ch2"))
	subWaitSubscribers(t, s, "ch2", 1)
	if n := subTotalSubscribers(t, s); n != 1 {
		t.Errorf("waiting long-poll counts %d subscribers, want 1", n)
	}
	before := time.Now()
	subPub(t, s, "ch2", "hi", nil)
	r := subHeadOK(t, c, "text/html")
	subNear(t, "Last-Modified", subParseHTTPDate(t, r.Header.Get("Last-Modified")), 3*time.Second)
	if lm := subParseHTTPDate(t, r.Header.Get("Last-Modified")); lm.Before(before.Truncate(time.Second)) {
		t.Errorf("Last-Modified %v is before the publish", lm)
	}
	if !subRawHas(r, "Etag", "W/1") {
		t.Errorf("want Etag: W/1 (first message of its second):\n%s", r.RawHeader)
	}
	subChunk(t, c, "H")
	subChunk(t, c, "hi")
	subChunk(t, c, "F")
	subEnd(t, c, subWait)
	subWaitSubscribers(t, s, "ch1", 0)
	subWaitSubscribers(t, s, "ch2", 0)
}

func TestSubLongPollingImmediateWithBacktrack(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("long-polling", nil))
	subPub(t, s, "ch", "stored", nil)
	r := s.Do(t, "GET", "/sub/ch.b1", nil, nil)
	if r.Status != 200 || string(r.Body) != "stored" || r.Header.Get("Etag") != "W/1" {
		t.Errorf("got %d %q Etag %q, want 200 stored W/1", r.Status, r.Body, r.Header.Get("Etag"))
	}
}

func TestSubLongPollingTimeout304(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("long-polling", map[string]string{
		"push_stream_longpolling_connection_ttl": "1s",
		"push_stream_header_template":            "H",
		"push_stream_footer_template":            "F",
	}))
	start := time.Now()
	r := s.Do(t, "GET", "/sub/ch", nil, map[string]string{"If-None-Match": "W/5"})
	el := time.Since(start)
	if r.StatusLine != "HTTP/1.1 304 Not Modified" || len(r.Body) != 0 {
		t.Fatalf("timeout answer %q body %q, want 304 header-only", r.StatusLine, r.Body)
	}
	if el < 900*time.Millisecond || el > 2500*time.Millisecond {
		t.Errorf("timed out after %v, want ~1 s", el)
	}
	if !subRawHas(r, "Etag", "W/0") {
		t.Errorf("want Etag: W/0:\n%s", r.RawHeader)
	}
	subNear(t, "Last-Modified", subParseHTTPDate(t, r.Header.Get("Last-Modified")), 3*time.Second)
	subNoCache(t, r)
	subWaitSubscribers(t, s, "ch", 0)
}

// The long-polling ttl defaults to the subscriber connection ttl and overrides it when set;
// long-polling never gets pings.
func TestSubLongPollingTTLSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		http map[string]string
	}{
		{"inherits subscriber ttl", map[string]string{"push_stream_subscriber_connection_ttl": "1s"}},
		{"overrides subscriber ttl", map[string]string{
			"push_stream_subscriber_connection_ttl":  "30s",
			"push_stream_longpolling_connection_ttl": "1s"}},
		{"no ping while waiting", map[string]string{
			"push_stream_longpolling_connection_ttl": "1500ms",
			"push_stream_ping_message_interval":      "500ms"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf("long-polling", tc.http))
			start := time.Now()
			r := s.Do(t, "GET", "/sub/ch", nil, nil)
			if el := time.Since(start); r.Status != 304 || len(r.Body) != 0 || el < 900*time.Millisecond || el > 3*time.Second {
				t.Errorf("status %d body %q after %v, want a header-only 304 after the long-polling ttl", r.Status, r.Body, el)
			}
		})
	}
}

func TestSubLongPollingTimeoutWithBody(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("long-polling", map[string]string{
		"push_stream_longpolling_connection_ttl": "1s",
		"push_stream_timeout_with_body":          "on",
		"push_stream_message_template":           `{\"id\":\"~id~\", \"message\":\"~text~\", \"channel\":\"~channel~\", \"tag\":\"~tag~\", \"time\":\"~time~\"}`,
		"push_stream_header_template":            "H",
		"push_stream_footer_template":            "F",
	}))
	const timedOut = `{"id":"-3", "message":"Timed out", "channel":"", "tag":"0", "time":"Thu, 01 Jan 1970 00:00:00 GMT"}`
	t.Run("plain", func(t *testing.T) {
		c := s.Dial(t)
		c.Send(subReq("/sub/ch"))
		r := subHeadOK(t, c, "text/html")
		if !subRawHas(r, "Etag", "W/0") || r.Header.Get("Last-Modified") == "" {
			t.Errorf("want Etag: W/0 and Last-Modified:\n%s", r.RawHeader)
		}
		for _, p := range []string{"H", timedOut, "F"} {
			subChunk(t, c, p)
		}
		subEnd(t, c, subWait)
	})
	t.Run("jsonp", func(t *testing.T) {
		c := s.Dial(t)
		c.Send(subReq("/sub/ch?callback=cb"))
		subHeadOK(t, c, "application/javascript")
		for _, p := range []string{"H", "cb", "([", timedOut, "]);", "F"} {
			subChunk(t, c, p)
		}
		subEnd(t, c, subWait)
	})
}

func TestSubLongPollingDelete(t *testing.T) {
	t.Parallel()
	c := subConf("long-polling", map[string]string{
		"push_stream_message_template": `{\"id\":\"~id~\", \"message\":\"~text~\", \"channel\":\"~channel~\"}`,
	})
	c.PublisherMode = "admin"
	s := Start(t, c)
	conn := s.Dial(t)
	conn.Send(subReq("/sub/ch1/ch2?callback=cb"))
	subWaitSubscribers(t, s, "ch1", 1)
	if r := s.Do(t, "DELETE", "/pub?id=ch1", nil, nil); r.Status != 200 {
		t.Fatalf("DELETE status %d", r.Status)
	}
	r := subHeadOK(t, conn, "application/javascript")
	if !subRawHas(r, "Etag", "W/0") {
		t.Errorf("want Etag: W/0:\n%s", r.RawHeader)
	}
	subNear(t, "Last-Modified", subParseHTTPDate(t, r.Header.Get("Last-Modified")), 3*time.Second)
	for _, p := range []string{"cb", "([", `{"id":"-2", "message":"Channel deleted", "channel":"ch1"}`, "]);"} {
		subChunk(t, conn, p)
	}
	subEnd(t, conn, subWait)
	subWaitSubscribers(t, s, "ch2", 0)
}

func TestSubLongPollingModeHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{"push_stream_header_template": "H"}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch", "X-Nginx-PushStream-Mode: Long-Polling"))
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "m", nil)
	subHeadOK(t, c, "")
	subChunk(t, c, "H")
	subChunk(t, c, "m")
	subEnd(t, c, subWait)
}

// PINNED: 500 long-polls in a row on one keep-alive socket. Each request echoes the previous
// Last-Modified/Etag, so a message published before the subscription is replayed instead of lost.
func TestSubLongPollingKeepAlive500(t *testing.T) {
	t.Parallel()
	n := 500
	if testing.Short() {
		n = 50
	}
	s := Start(t, subConf("long-polling", nil))
	c := s.Dial(t)
	c.Send("GET /sub/ch HTTP/1.1\r\nHost: test\r\n\r\n")
	subWaitSubscribers(t, s, "ch", 1)
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("message to be sent %03d", i)
		subPub(t, s, "ch", msg, nil)
		r := c.ReadHead(subWait)
		if r.Status != 200 {
			t.Fatalf("poll %d: status %d", i, r.Status)
		}
		subChunk(t, c, msg)
		subEnd(t, c, subWait)
		switch {
		case i == n:
		case i%50 == 0:
			// Regularly exercise the waiting path too: a plain request, subscribed before the publish.
			c.Send("GET /sub/ch HTTP/1.1\r\nHost: test\r\n\r\n")
			subWaitSubscribers(t, s, "ch", 1)
		default:
			c.Send(subReq("/sub/ch", "If-Modified-Since: "+r.Header.Get("Last-Modified"),
				"If-None-Match: "+r.Header.Get("Etag")))
		}
	}
}

func TestSubLongPollingDeletePlain(t *testing.T) {
	t.Parallel()
	c := subConf("long-polling", map[string]string{"push_stream_header_template": "H"})
	c.PublisherMode = "admin"
	s := Start(t, c)
	conn := s.Dial(t)
	conn.Send(subReq("/sub/ch"))
	subWaitSubscribers(t, s, "ch", 1)
	s.Do(t, "DELETE", "/pub?id=ch", nil, nil)
	r := subHeadOK(t, conn, "text/html")
	if !r.HasRawHeader("Etag", "W/0") {
		t.Errorf("want Etag: W/0:\n%s", r.RawHeader)
	}
	subChunk(t, conn, "H")
	subChunk(t, conn, "Channel deleted")
	subEnd(t, conn, subWait)
}
