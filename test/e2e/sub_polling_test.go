package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Polling (subscriber.md §7, worked examples (a)–(c), pitfalls 5 and 6).

const subEpoch = "Thu, 01 Jan 1970 00:00:00 GMT"

// subPoll sends one polling request on a new connection and returns the complete answer.
func subPoll(t *testing.T, s *Server, path string, hdr map[string]string) *Resp {
	t.Helper()
	return s.Do(t, "GET", path, nil, hdr)
}

// subNoValidators checks that neither Last-Modified nor Etag was sent.
func subNoValidators(t *testing.T, r *Resp) {
	t.Helper()
	for _, h := range []string{"Last-Modified", "Etag"} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("unexpected %s: %q", h, v)
		}
	}
}

func TestSubPollingWithoutReplayPointIs304(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	subPub(t, s, "ch", "stored", nil)
	r := subPoll(t, s, "/sub/ch", nil)
	if r.StatusLine != "HTTP/1.1 304 Not Modified" {
		t.Errorf("status line %q, want HTTP/1.1 304 Not Modified", r.StatusLine)
	}
	if len(r.Body) != 0 {
		t.Errorf("304 with body %q", r.Body)
	}
	subNoValidators(t, r)
	subNoCache(t, r)
}

func TestSubPolling304Echo(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	tests := []struct {
		name     string
		hdr      map[string]string
		lm, etag string // "" = absent
	}{
		{"both", map[string]string{"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT", "If-None-Match": "W/3"},
			"Wed, 01 May 2024 12:00:00 GMT", "W/3"},
		{"bare tag", map[string]string{"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT", "If-None-Match": "6"},
			"Wed, 01 May 2024 12:00:00 GMT", "W/6"},
		{"quoted tag is absent", map[string]string{"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT", "If-None-Match": `"6"`},
			"Wed, 01 May 2024 12:00:00 GMT", ""},
		{"tag only", map[string]string{"If-None-Match": "W/0"}, "", "W/0"},
		{"one-digit day is absent", map[string]string{"If-Modified-Since": "Wed, 1 May 2024 12:00:00 GMT"}, "", ""},
		{"null time is absent", map[string]string{"If-Modified-Since": "null"}, "", ""},
		{"nothing", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := subPoll(t, s, "/sub/empty_channel", tc.hdr)
			if r.Status != 304 || len(r.Body) != 0 {
				t.Fatalf("status %d body %q, want 304 without body", r.Status, r.Body)
			}
			if tc.lm == "" && r.Header.Get("Last-Modified") != "" {
				t.Errorf("unexpected Last-Modified %q", r.Header.Get("Last-Modified"))
			}
			if tc.lm != "" && !subRawHas(r, "Last-Modified", tc.lm) {
				t.Errorf("want Last-Modified: %s in\n%s", tc.lm, r.RawHeader)
			}
			if tc.etag == "" && r.Header.Get("Etag") != "" {
				t.Errorf("unexpected Etag %q", r.Header.Get("Etag"))
			}
			if tc.etag != "" && !subRawHas(r, "Etag", tc.etag) {
				t.Errorf("want Etag: %s (exact case, unquoted) in\n%s", tc.etag, r.RawHeader)
			}
		})
	}
}

func TestSubPollingReplaySinceEpoch(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	subPub(t, s, "ch", "body", nil)
	for _, ims := range []string{subEpoch, "Thu, 01 Jan 1970 00:00:00 UTC", "Thursday, 01-Jan-70 00:00:00 GMT"} {
		t.Run(ims, func(t *testing.T) {
			c := s.Dial(t)
			c.Send(subReq("/sub/ch", "If-Modified-Since: "+ims))
			r := subHeadOK(t, c, "text/html")
			lm := r.Header.Get("Last-Modified")
			subNear(t, "Last-Modified", subParseHTTPDate(t, lm), 10*time.Second)
			if !subRawHas(r, "Last-Modified", lm) || !subRawHas(r, "Etag", "W/1") {
				t.Errorf("want Last-Modified and Etag: W/1 in exact case:\n%s", r.RawHeader)
			}
			subChunk(t, c, "body")
			subEnd(t, c, subWait)
		})
	}
}

func TestSubPollingModeHeaderOnStreamingLocation(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{"push_stream_header_template": "H"}))
	subPub(t, s, "ch", "body", nil)
	for _, mode := range []string{"polling", "POLLING", "Polling"} {
		r := subPoll(t, s, "/sub/ch", map[string]string{"X-Nginx-PushStream-Mode": mode})
		if r.Status != 304 || len(r.Body) != 0 {
			t.Errorf("mode %q: status %d body %q, want a polling 304", mode, r.Status, r.Body)
		}
		r = subPoll(t, s, "/sub/ch.b1", map[string]string{"X-Nginx-PushStream-Mode": mode})
		if r.Status != 200 || string(r.Body) != "Hbody" {
			t.Errorf("mode %q with .b1: status %d body %q, want 200 Hbody", mode, r.Status, r.Body)
		}
	}
}

// A polling location stays polling when the mode header asks for
// long-polling (subscriber.md §1 step 9 checks polling first): the answer is
// the immediate 304, not a wait.
func TestSubPollingLocationIgnoresLongPollingHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{"push_stream_longpolling_connection_ttl": "3s"}))
	start := time.Now()
	r := subPoll(t, s, "/sub/empty", map[string]string{"X-Nginx-PushStream-Mode": "long-polling"})
	if el := time.Since(start); r.Status != 304 || el > 2*time.Second {
		t.Fatalf("status %d after %v, want the polling 304 at once", r.Status, el)
	}
	subNoValidators(t, r)
}

// Header template, messages and footer of a polling answer are separate chunks.
func TestSubPollingPieces(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{
		"push_stream_header_template":  "H",
		"push_stream_footer_template":  "F",
		"push_stream_message_template": "[~text~]",
	}))
	subPub(t, s, "ch", "a", nil)
	subPub(t, s, "ch", "b", nil)
	c := s.Dial(t)
	c.Send(subReq("/sub/ch.b5"))
	subHeadOK(t, c, "text/html")
	for _, p := range []string{"H", "[a]", "[b]", "F"} {
		subChunk(t, c, p)
	}
	subEnd(t, c, subWait)
	// The connection stays usable (keep-alive) for the next poll.
	c.Send(subReq("/sub/ch.b1"))
	subHeadOK(t, c, "")
	for _, p := range []string{"H", "[b]", "F"} {
		subChunk(t, c, p)
	}
	subEnd(t, c, subWait)
}

// Chaining: Last-Modified/Etag sent back fetch exactly the next message.
func TestSubPollingChaining(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	subPub(t, s, "ch1", "m1", nil)
	r1 := subPoll(t, s, "/sub/ch1/ch2", map[string]string{"If-Modified-Since": subEpoch})
	if r1.Status != 200 || string(r1.Body) != "m1" {
		t.Fatalf("first poll: %d %q", r1.Status, r1.Body)
	}
	lm1, et1 := r1.Header.Get("Last-Modified"), r1.Header.Get("Etag")
	subPub(t, s, "ch2", "m2", nil)
	r2 := subPoll(t, s, "/sub/ch1/ch2", map[string]string{"If-Modified-Since": lm1, "If-None-Match": et1})
	if r2.Status != 200 || string(r2.Body) != "m2" {
		t.Fatalf("second poll: %d %q, want only m2", r2.Status, r2.Body)
	}
	lm2, et2 := r2.Header.Get("Last-Modified"), r2.Header.Get("Etag")
	tag1, _ := strconv.Atoi(strings.TrimPrefix(et1, "W/"))
	if lm2 == lm1 && et2 != "W/"+strconv.Itoa(tag1+1) {
		t.Errorf("same second: second Etag %q, want W/%d", et2, tag1+1)
	}
	if lm2 != lm1 && et2 != "W/1" {
		t.Errorf("new second: Etag %q, want W/1", et2)
	}
	r3 := subPoll(t, s, "/sub/ch1/ch2", map[string]string{"If-Modified-Since": lm2, "If-None-Match": et2})
	if r3.Status != 304 || r3.Header.Get("Last-Modified") != lm2 || r3.Header.Get("Etag") != et2 {
		t.Errorf("third poll: %d LM %q Etag %q, want 304 echoing %q %q", r3.Status,
			r3.Header.Get("Last-Modified"), r3.Header.Get("Etag"), lm2, et2)
	}
}

// Polling requests create the channels they name.
func TestSubPollingCreatesChannel(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	subPoll(t, s, "/sub/created_by_poll", nil)
	if r := s.Do(t, "GET", "/channels-stats?id=created_by_poll", nil, nil); r.Status != 200 {
		t.Errorf("channel not created by polling: stats status %d", r.Status)
	}
}
