package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Helpers shared by the sub_*_test.go files (sub prefix: they belong to the subscriber suite).

// subWait is the default deadline for a piece that the server must send promptly.
const subWait = 3 * time.Second

// subConf returns a Conf whose http level has no templates and no ping, so that every
// subscriber test states exactly the templates it relies on; over replaces single values.
func subConf(mode string, over map[string]string) Conf {
	h := map[string]string{
		"push_stream_ping_message_interval": "",
		"push_stream_message_template":      "",
		"push_stream_header_template":       "",
		"push_stream_footer_template":       "",
	}
	maps.Copy(h, over)
	return Conf{HTTP: h, SubscriberMode: mode}
}

// subReq renders a raw HTTP/1.1 GET with Host and the given extra header lines.
func subReq(path string, hdr ...string) string {
	var b strings.Builder
	b.WriteString("GET " + path + " HTTP/1.1\r\nHost: test\r\n")
	for _, h := range hdr {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// subChannelSubscribers returns the subscribers of channel ch (0 when it does not exist).
func subChannelSubscribers(t *testing.T, s *Server, ch string) int {
	t.Helper()
	r := s.Do(t, "GET", "/channels-stats?id="+ch, nil, nil)
	if r.Status != 200 {
		return 0
	}
	var v struct {
		Subscribers int `json:"subscribers"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("stats of %q: %v in %q", ch, err, r.Body)
	}
	return v.Subscribers
}

// subTotalSubscribers returns the server-wide subscriber count of the summary document.
func subTotalSubscribers(t *testing.T, s *Server) int {
	t.Helper()
	r := s.Do(t, "GET", "/channels-stats", nil, nil)
	var v struct {
		Subscribers int `json:"subscribers"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("summary stats: %v in %q", err, r.Body)
	}
	return v.Subscribers
}

// subWaitSubscribers waits until channel ch has exactly n subscribers.
func subWaitSubscribers(t *testing.T, s *Server, ch string, n int) {
	t.Helper()
	Eventually(t, 5*time.Second, func() bool { return subChannelSubscribers(t, s, ch) == n },
		"channel %q never reached %d subscribers", ch, n)
}

// subChunk reads one chunk and fails the test unless it equals want.
func subChunk(t *testing.T, c *Conn, want string) {
	t.Helper()
	subChunkWithin(t, c, want, subWait)
}

func subChunkWithin(t *testing.T, c *Conn, want string, d time.Duration) {
	t.Helper()
	got, err := c.ReadChunk(d)
	if err != nil {
		t.Fatalf("reading chunk %q: %v", want, err)
	}
	if string(got) != want {
		t.Fatalf("chunk = %q, want %q", got, want)
	}
}

// subEnd expects the terminating 0-chunk.
func subEnd(t *testing.T, c *Conn, d time.Duration) {
	t.Helper()
	got, err := c.ReadChunk(d)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("want last chunk, got %q, err %v", got, err)
	}
}

// subHeadOK reads the response head and checks the common 200 streaming headers.
func subHeadOK(t *testing.T, c *Conn, contentType string) *Resp {
	t.Helper()
	r := c.ReadHead(subWait)
	if r.Status != 200 {
		t.Fatalf("status %d (%q), want 200", r.Status, r.StatusLine)
	}
	if ct := r.Header.Get("Content-Type"); contentType != "" && ct != contentType {
		t.Errorf("Content-Type = %q, want %q", ct, contentType)
	}
	if te := r.Header.Get("Transfer-Encoding"); te != "chunked" {
		t.Errorf("Transfer-Encoding = %q, want chunked", te)
	}
	if r.Header.Get("Content-Length") != "" {
		t.Errorf("unexpected Content-Length %q on a stream", r.Header.Get("Content-Length"))
	}
	subNoCache(t, r)
	return r
}

// subNoCache checks the PINNED Expires/Cache-Control pair, header names in their exact case.
func subNoCache(t *testing.T, r *Resp) {
	t.Helper()
	for _, line := range []string{
		"\r\nExpires: Thu, 01 Jan 1970 00:00:01 GMT\r\n",
		"\r\nCache-Control: no-cache, no-store, must-revalidate\r\n",
	} {
		if !strings.Contains("\r\n"+r.RawHeader, line) {
			t.Errorf("raw header lacks %q:\n%s", strings.TrimSpace(line), r.RawHeader)
		}
	}
}

// subRawHas reports whether the raw header block holds the exact "Name: value" line.
func subRawHas(r *Resp, name, value string) bool {
	return strings.Contains("\r\n"+r.RawHeader+"\r\n", "\r\n"+name+": "+value+"\r\n")
}

// subRawName reports whether a header name appears with exactly this case.
func subRawName(r *Resp, name string) bool {
	return strings.Contains("\r\n"+r.RawHeader, "\r\n"+name+":")
}

// subExplain checks a header-only refusal with its explain text.
func subExplain(t *testing.T, r *Resp, status int, explain string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d (%q)", r.Status, status, r.StatusLine)
	}
	if explain != "" && !subRawHas(r, "X-Nginx-PushStream-Explain", explain) {
		t.Errorf("want X-Nginx-PushStream-Explain: %s, raw header:\n%s", explain, r.RawHeader)
	}
	if len(r.Body) != 0 {
		t.Errorf("header-only answer has body %q", r.Body)
	}
}

// subPub publishes and fails the test unless the publisher answered 200.
func subPub(t *testing.T, s *Server, ch, body string, hdr map[string]string) {
	t.Helper()
	if r := s.Publish(t, ch, body, hdr); r.Status != 200 {
		t.Fatalf("publish to %q: status %d", ch, r.Status)
	}
}

var subHTTPDate = regexp.MustCompile(`^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$`)

// subParseHTTPDate parses an RFC 1123 GMT date as sent in Last-Modified and ~time~.
func subParseHTTPDate(t *testing.T, v string) time.Time {
	t.Helper()
	if !subHTTPDate.MatchString(v) {
		t.Fatalf("%q is not an RFC 1123 GMT date", v)
	}
	tm, err := time.Parse(time.RFC1123, v)
	if err != nil {
		t.Fatalf("parse date %q: %v", v, err)
	}
	return tm
}

// subNear fails unless tm is within d of now.
func subNear(t *testing.T, what string, tm time.Time, d time.Duration) {
	t.Helper()
	if diff := time.Since(tm); diff > d || diff < -d {
		t.Errorf("%s = %v, %v away from now", what, tm, diff)
	}
}

// ---------------------------------------------------------------------------------------------
// Streaming (subscriber.md §5).

func TestSubStreamingPiecesAreChunks(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_header_template":           "H",
		"push_stream_message_template":          "~id~:~text~|",
		"push_stream_footer_template":           "F",
		"push_stream_subscriber_connection_ttl": "2s",
	}))
	subPub(t, s, "ch1", "hello", nil)

	c := s.Dial(t)
	start := time.Now()
	c.Send(subReq("/sub/ch1.b1"))
	subHeadOK(t, c, "text/html")
	subChunk(t, c, "H")
	subChunk(t, c, "1:hello|")
	subWaitSubscribers(t, s, "ch1", 1)
	subPub(t, s, "ch1", "world", nil)
	subChunk(t, c, "2:world|")
	subChunkWithin(t, c, "F", 4*time.Second)
	subEnd(t, c, time.Second)
	if el := time.Since(start); el < 1900*time.Millisecond {
		t.Errorf("footer after %v, want the 2 s ttl", el)
	}
	if !c.Closed(2 * time.Second) {
		// HTTP/1.1 keep-alive may keep the socket; the response itself must be complete.
		t.Log("connection kept alive after the stream ended")
	}
	subWaitSubscribers(t, s, "ch1", 0)
}

func TestSubStreamingTemplateTokens(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_message_template": "~ID~|~Text~|~channel~|~event-id~|~EVENT-TYPE~|~tag~|~time~|~size~|~x~|~id",
	}))
	tests := []struct {
		name, ch, body string
		hdr            map[string]string
		want           string // regexp
	}{
		{"all tokens", "tok", "a~channel~b", map[string]string{"Event-Id": "e1", "Event-Type": "t1"},
			`^1\|a~channel~b\|tok\|e1\|t1\|(\d+)\|([^|]+)\|11\|~x~\|~id$`},
		{"no event id or type", "tok2", "x", nil,
			`^1\|x\|tok2\|\|\|(\d+)\|([^|]+)\|1\|~x~\|~id$`},
		{"channel holding a token", "c~text~", "~id~", nil,
			`^1\|~id~\|c~text~\|\|\|(\d+)\|([^|]+)\|4\|~x~\|~id$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := s.Dial(t)
			c.Send(subReq("/sub/" + tc.ch))
			subWaitSubscribers(t, s, tc.ch, 1)
			subPub(t, s, tc.ch, tc.body, tc.hdr)
			subHeadOK(t, c, "")
			got, err := c.ReadChunk(subWait)
			if err != nil {
				t.Fatalf("read message: %v", err)
			}
			m := regexp.MustCompile(tc.want).FindStringSubmatch(string(got))
			if m == nil {
				t.Fatalf("message %q does not match %s", got, tc.want)
			}
			if m[1] == "0" {
				t.Errorf("~tag~ = 0 for a published message")
			}
			subNear(t, "~time~", subParseHTTPDate(t, m[2]), 5*time.Second)
		})
	}
}

func TestSubStreamingPings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		http map[string]string
		ping string
	}{
		{"id and text template", map[string]string{"push_stream_message_template": "~id~:~text~"}, "-1: "},
		{"default template", nil, " "},
		{"acceptance template", map[string]string{"push_stream_message_template": DefaultMessageTemplate},
			"<script>p(-1,'',' ');</script>"},
		{"custom ping text", map[string]string{
			"push_stream_message_template":  "<~channel~|~id~|~text~|~tag~|~time~>",
			"push_stream_ping_message_text": "pong"}, "<|-1|pong|0|Thu, 01 Jan 1970 00:00:00 GMT>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := map[string]string{
				"push_stream_ping_message_interval":     "1s",
				"push_stream_subscriber_connection_ttl": "2500ms",
				"push_stream_footer_template":           "F",
			}
			maps.Copy(h, tc.http)
			s := Start(t, subConf("", h))
			c := s.Dial(t)
			c.Send(subReq("/sub/ch"))
			subHeadOK(t, c, "")
			// ttl 2.5 s, ping every 1 s: exactly two pings, then the footer.
			subChunk(t, c, tc.ping)
			subChunk(t, c, tc.ping)
			subChunk(t, c, "F")
			subEnd(t, c, time.Second)
		})
	}
}

func TestSubStreamingLiveMessageRestartsPing(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_ping_message_interval": "2s",
		"push_stream_message_template":      "~id~",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subWaitSubscribers(t, s, "ch", 1)
	time.Sleep(1200 * time.Millisecond) // position the message inside the first ping period
	subPub(t, s, "ch", "m", nil)
	subHeadOK(t, c, "")
	at := time.Now()
	subChunk(t, c, "1")
	subChunk(t, c, "-1")
	if el := time.Since(at); el < 1700*time.Millisecond {
		t.Errorf("ping %v after the live message, want the full 2 s interval", el)
	}
}

func TestSubStreamingDeleteEndsStream(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{
		"push_stream_message_template": "~id~:~channel~:~text~",
		"push_stream_footer_template":  "F",
	})
	c.PublisherMode = "admin"
	s := Start(t, c)

	// Only channel deleted: -2 message, footer, end.
	one := s.Dial(t)
	one.Send(subReq("/sub/ch1"))
	// Two channels, one deleted: -2 message and the stream goes on.
	two := s.Dial(t)
	two.Send(subReq("/sub/ch1/ch2"))
	subWaitSubscribers(t, s, "ch1", 2)
	subWaitSubscribers(t, s, "ch2", 1)

	if r := s.Do(t, "DELETE", "/pub?id=ch1", nil, nil); r.Status != 200 {
		t.Fatalf("DELETE status %d", r.Status)
	}
	subHeadOK(t, one, "")
	subChunk(t, one, "-2:ch1:Channel deleted")
	subChunk(t, one, "F")
	subEnd(t, one, time.Second)

	subHeadOK(t, two, "")
	subChunk(t, two, "-2:ch1:Channel deleted")
	subPub(t, s, "ch2", "still here", nil)
	subChunk(t, two, "1:ch2:still here")
	subWaitSubscribers(t, s, "ch1", 0)
}

func TestSubStreamingDeleteCustomText(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{
		"push_stream_channel_deleted_message_text": "gone",
		"push_stream_message_template":             "~id~:~text~",
	})
	c.PublisherMode = "admin"
	s := Start(t, c)
	a := s.Dial(t)
	a.Send(subReq("/sub/d1"))
	b := s.Dial(t)
	b.Send(subReq("/sub/d2"))
	subWaitSubscribers(t, s, "d1", 1)
	subWaitSubscribers(t, s, "d2", 1)
	s.Do(t, "DELETE", "/pub?id=d1", nil, nil)
	s.Do(t, "DELETE", "/pub?id=d2", []byte("bye body"), nil)
	subHeadOK(t, a, "")
	subChunk(t, a, "-2:gone")
	subEnd(t, a, subWait)
	subHeadOK(t, b, "")
	subChunk(t, b, "-2:bye body")
	subEnd(t, b, subWait)
}

func TestSubStreamingHTTP10(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_header_template":           "H",
		"push_stream_footer_template":           "F",
		"push_stream_subscriber_connection_ttl": "1s",
	}))
	subPub(t, s, "ch", "msg", nil)
	c := s.Dial(t)
	c.Send("GET /sub/ch.b1 HTTP/1.0\r\n\r\n")
	r := c.ReadHead(subWait)
	if r.Status != 200 || r.Header.Get("Transfer-Encoding") != "" {
		t.Fatalf("HTTP/1.0 answer: %q, Transfer-Encoding %q", r.StatusLine, r.Header.Get("Transfer-Encoding"))
	}
	if got := string(c.ReadAll(4 * time.Second)); got != "HmsgF" {
		t.Errorf("HTTP/1.0 body = %q, want %q", got, "HmsgF")
	}
	if !c.Closed(time.Second) {
		t.Error("HTTP/1.0 stream not closed at its end")
	}
}

func TestSubStreamingCallbackIgnored(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{"push_stream_header_template": "H"}))
	subPub(t, s, "ch", "body", nil)
	c := s.Dial(t)
	c.Send(subReq("/sub/ch.b1?callback=cb"))
	subHeadOK(t, c, "text/html")
	subChunk(t, c, "H")
	subChunk(t, c, "body")
}

func TestSubStreamingTTLPerConnection(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_header_template":           "H",
		"push_stream_footer_template":           "F",
		"push_stream_subscriber_connection_ttl": "2s",
	}))
	a := s.Dial(t)
	startA := time.Now()
	a.Send(subReq("/sub/ch"))
	subHeadOK(t, a, "")
	subChunk(t, a, "H")
	time.Sleep(time.Second) // the second connection starts later and must end later
	b := s.Dial(t)
	startB := time.Now()
	b.Send(subReq("/sub/ch"))
	subHeadOK(t, b, "")
	subChunk(t, b, "H")
	for _, x := range []struct {
		c     *Conn
		start time.Time
	}{{a, startA}, {b, startB}} {
		subChunkWithin(t, x.c, "F", 4*time.Second)
		if el := time.Since(x.start); el < 1900*time.Millisecond || el > 2600*time.Millisecond {
			t.Errorf("footer %v after connect, want ~2 s", el)
		}
		subEnd(t, x.c, time.Second)
	}
}

// Each location formats with its own templates; one publish reaches both.
func TestSubStreamingTemplatesPerLocation(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_message_template": "A:~text~"})
	c.ExtraLocations = `location ~ /other/(.*)? { push_stream_subscriber; push_stream_channels_path "$1";
      push_stream_message_template "B:~text~"; push_stream_header_template "HB"; }`
	s := Start(t, c)
	a := s.Dial(t)
	a.Send(subReq("/sub/ch"))
	b := s.Dial(t)
	b.Send(subReq("/other/ch"))
	subWaitSubscribers(t, s, "ch", 2)
	subPub(t, s, "ch", "x", nil)
	subHeadOK(t, a, "")
	subChunk(t, a, "A:x")
	subHeadOK(t, b, "")
	subChunk(t, b, "HB")
	subChunk(t, b, "B:x")
}

// ".bN" counts only before "/" or the end (README §2).
func TestSubStreamingBacktrackInNames(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", nil))
	for i := 1; i <= 4; i++ {
		subPub(t, s, "room.b18.beautiful", fmt.Sprintf("r%d", i), nil)
		subPub(t, s, "ch.b", fmt.Sprintf("c%d", i), nil)
	}
	c := s.Dial(t)
	c.Send(subReq("/sub/room.b18.beautiful.b3/ch.b.b1"))
	subHeadOK(t, c, "")
	for _, p := range []string{"r2", "r3", "r4", "c4"} {
		subChunk(t, c, p)
	}
	subWaitSubscribers(t, s, "ch.b", 1)
}

// The untouched acceptance template (config.md §10): its header, message and footer templates.
func TestSubStreamingAcceptanceTemplate(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"push_stream_subscriber_connection_ttl": "1s"}})
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subHeadOK(t, c, "text/html")
	subChunk(t, c, DefaultHeaderTemplate)
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "hello", nil)
	subChunk(t, c, "<script>p(1,'ch','hello');</script>")
	subChunkWithin(t, c, DefaultFooterTemplate, 3*time.Second)
	subEnd(t, c, time.Second)
}
