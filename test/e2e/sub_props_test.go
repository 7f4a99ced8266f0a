package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Subscriber properties: the request prelude (subscriber.md §1), limits (limits.md §1), CORS,
// default_type, TTLs and subscriber counting on disconnect (subscriber.md §10).

func TestSubPreludeErrors(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{
		"push_stream_header_template":       "H",
		"push_stream_max_channel_id_length": "5",
		"push_stream_events_channel_id":     "ev",
	})
	s := Start(t, c)
	tests := []struct {
		name, method, path string
		status             int
		explain            string
	}{
		{"HEAD", "HEAD", "/sub/ch", 405, ""},
		{"POST", "POST", "/sub/ch", 405, ""},
		{"PUT", "PUT", "/sub/ch", 405, ""},
		{"DELETE", "DELETE", "/sub/ch", 405, ""},
		{"no channel", "GET", "/sub/", 400, "No channel id provided."},
		{"ALL", "GET", "/sub/ALL", 403, "Channel id not authorized for this method."},
		{"star", "GET", "/sub/a*", 403, "Channel id not authorized for this method."},
		{"star second", "GET", "/sub/ok/b*c", 403, "Channel id not authorized for this method."},
		{"too long", "GET", "/sub/123456", 400, "Channel id is too large."},
		{"too long second", "GET", "/sub/12345/123456", 400, "Channel id is too large."},
		{"events channel", "GET", "/sub/ev", 403, "Subscription to events channel is not allowed."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.method == "POST" || tc.method == "PUT" {
				body = []byte("x")
			}
			r := s.Do(t, tc.method, tc.path, body, nil)
			subExplain(t, r, tc.status, tc.explain)
			subNoCache(t, r)
			if tc.status == 405 && !r.HasRawHeader("Allow", "GET") {
				t.Errorf("405 without Allow: GET:\n%s", r.RawHeader)
			}
			if !subRawName(r, "X-Nginx-PushStream-Explain") && tc.explain != "" {
				t.Errorf("explain header name not in exact case:\n%s", r.RawHeader)
			}
		})
	}
	// A refused request creates nothing: the valid first id of a refused path stays absent.
	if r := s.Do(t, "GET", "/channels-stats?id=ok", nil, nil); r.Status != 404 {
		t.Errorf("channel of a refused subscriber exists (stats %d)", r.Status)
	}
}

func TestSubOptions(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", nil))
	r := s.Do(t, "OPTIONS", "/sub/ch", nil, nil)
	if r.Status != 200 || len(r.Body) != 0 {
		t.Errorf("OPTIONS: %d %q, want 200 header-only", r.Status, r.Body)
	}
	if r.Header.Get("Expires") != "" || r.Header.Get("Cache-Control") != "" {
		t.Errorf("OPTIONS carries Expires/Cache-Control:\n%s", r.RawHeader)
	}
	if r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS headers without allowed_origins:\n%s", r.RawHeader)
	}
}

func TestSubCORS(t *testing.T) {
	t.Parallel()
	const hdrs = "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id"
	tests := []struct {
		name, origins, query, want string
	}{
		{"fixed", "custom.domain.com", "", "custom.domain.com"},
		{"from argument", "$arg_domain", "?domain=test.com", "test.com"},
		{"empty argument", "$arg_domain", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf("polling", map[string]string{"push_stream_allowed_origins": tc.origins}))
			for _, m := range []string{"OPTIONS", "GET", "POST"} {
				var body []byte
				if m == "POST" {
					body = []byte("x")
				}
				r := s.Do(t, m, "/sub/ch"+tc.query, body, nil)
				if tc.want == "" {
					if r.Header.Get("Access-Control-Allow-Origin") != "" {
						t.Errorf("%s: unexpected CORS headers:\n%s", m, r.RawHeader)
					}
					continue
				}
				for _, kv := range [][2]string{
					{"Access-Control-Allow-Origin", tc.want},
					{"Access-Control-Allow-Methods", "GET"},
					{"Access-Control-Allow-Headers", hdrs},
				} {
					if !r.HasRawHeader(kv[0], kv[1]) {
						t.Errorf("%s (%d): want %s: %s in\n%s", m, r.Status, kv[0], kv[1], r.RawHeader)
					}
				}
			}
		})
	}
}

// PINNED wildcard quota examples.
func TestSubWildcardQuota(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		http  map[string]string
		paths map[string]bool // path -> accepted
	}{
		{"max_qtd 3", map[string]string{"push_stream_wildcard_channel_prefix": "bd_"}, map[string]bool{
			"/sub/bd_": false, "/sub/bd_x": false, "/sub/bd1": true, "/sub/bd": true,
			"/sub/bd1/bd_1/bd_2/bd_3": true, "/sub/bd1/bd_1/bd_2/bd_3/bd_4": false,
		}},
		{"inherited from max number", map[string]string{
			"push_stream_wildcard_channel_prefix":         "bd_",
			"push_stream_wildcard_channel_max_qtd":        "",
			"push_stream_max_number_of_wildcard_channels": "2",
		}, map[string]bool{
			"/sub/bd1/bd2/bd_1/bd_2": true, "/sub/bd1/bd2/bd_1/bd_2/bd_3": false, "/sub/bd_1": false,
		}},
		{"no quota", map[string]string{
			"push_stream_wildcard_channel_prefix":  "bd_",
			"push_stream_wildcard_channel_max_qtd": "",
		}, map[string]bool{"/sub/bd_1": true, "/sub/bd_1/bd_2/bd_3/bd_4/bd_5": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf("polling", tc.http))
			for p, ok := range tc.paths {
				r := s.Do(t, "GET", p, nil, nil)
				if ok && r.Status != 304 {
					t.Errorf("%s: status %d (%s), want accepted (polling 304)", p, r.Status,
						r.Get("X-Nginx-PushStream-Explain"))
				}
				if !ok {
					subExplain(t, r, 403, "Subscribed too much wildcard channels.")
				}
			}
		})
	}
}

func TestSubAuthorizedChannelsOnly(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{
		"push_stream_authorized_channels_only": "on",
		"push_stream_wildcard_channel_prefix":  "bd_",
	}))
	subExplain(t, s.Do(t, "GET", "/sub/missing", nil, nil), 403, "Subscriber could not create channels.")
	if r := s.Do(t, "GET", "/channels-stats?id=missing", nil, nil); r.Status != 404 {
		t.Errorf("refused subscriber created the channel (stats %d)", r.Status)
	}
	subPub(t, s, "ch", "m", nil)
	if r := s.Do(t, "GET", "/sub/ch", nil, nil); r.Status != 304 {
		t.Errorf("channel with a stored message: %d, want accepted", r.Status)
	}
	// Wildcard channels are exempt, but the path still needs one normal channel.
	if r := s.Do(t, "GET", "/sub/ch/bd_new", nil, nil); r.Status != 304 {
		t.Errorf("authorized + new wildcard: %d (%s), want accepted", r.Status, r.Get("X-Nginx-PushStream-Explain"))
	}
	subExplain(t, s.Do(t, "GET", "/sub/ch/other", nil, nil), 403, "Subscriber could not create channels.")

	// A channel that exists but has no stored message is refused too.
	c := subConf("polling", map[string]string{
		"push_stream_authorized_channels_only": "on",
		"push_stream_store_messages":           "off",
	})
	s2 := Start(t, c)
	subPub(t, s2, "nostore", "m", nil)
	subExplain(t, s2.Do(t, "GET", "/sub/nostore", nil, nil), 403, "Subscriber could not create channels.")
}

// PINNED: a channel whose messages all expired refuses subscribers again.
func TestSubAuthorizedChannelsOnlyAfterExpiry(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{
		"push_stream_authorized_channels_only": "on",
		"push_stream_message_ttl":              "1s",
	}))
	subPub(t, s, "ch", "m", nil)
	Eventually(t, 8*time.Second, func() bool {
		return s.Do(t, "GET", "/sub/ch", nil, nil).Status == 403
	}, "subscriber still accepted after the only message expired")
	subExplain(t, s.Do(t, "GET", "/sub/ch", nil, nil), 403, "Subscriber could not create channels.")
}

func TestSubMaxSubscribersPerChannel(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_max_subscribers_per_channel": "3",
		"push_stream_header_template":             "H",
	}))
	var conns []*Conn
	for i := 0; i < 3; i++ {
		c := s.Dial(t)
		c.Send(subReq("/sub/ch"))
		subHeadOK(t, c, "")
		subChunk(t, c, "H")
		conns = append(conns, c)
	}
	subWaitSubscribers(t, s, "ch", 3)
	subExplain(t, s.Do(t, "GET", "/sub/ch", nil, nil), 403, "Subscribers limit per channel has been exceeded.")
	subExplain(t, s.Do(t, "GET", "/sub/other/ch", nil, nil), 403, "Subscribers limit per channel has been exceeded.")
	other := s.Dial(t)
	other.Send(subReq("/sub/other"))
	subHeadOK(t, other, "")
	subChunk(t, other, "H")
	// A place frees up when a subscriber leaves.
	conns[0].Close()
	subWaitSubscribers(t, s, "ch", 2)
	again := s.Dial(t)
	again.Send(subReq("/sub/ch"))
	subHeadOK(t, again, "")
	subChunk(t, again, "H")
}

func TestSubMaxNumberOfChannels(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{"push_stream_max_number_of_channels": "1"}))
	if r := s.Do(t, "GET", "/sub/first", nil, nil); r.Status != 304 {
		t.Fatalf("first channel: %d", r.Status)
	}
	subExplain(t, s.Do(t, "GET", "/sub/second", nil, nil), 403, "Number of channels were exceeded.")
	if r := s.Do(t, "GET", "/sub/first", nil, nil); r.Status != 304 {
		t.Errorf("existing channel refused: %d", r.Status)
	}
}

func TestSubDefaultType(t *testing.T) {
	t.Parallel()
	c := subConf("polling", nil)
	s := Start(t, c)
	subPub(t, s, "ch", "m", nil)
	subPub(t, s, "a.jpg", "m", nil)
	tests := []struct{ path, ct string }{
		{"/sub/ch.b1", "text/html"},
		{"/sub/a.jpg.b1", "text/html"},
	}
	for _, tc := range tests {
		if r := s.Do(t, "GET", tc.path, nil, nil); r.Get("Content-Type") != tc.ct {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, r.Get("Content-Type"), tc.ct)
		}
	}
	c.Sub = map[string]string{"default_type": "application/json"}
	s2 := Start(t, c)
	subPub(t, s2, "ch", "m", nil)
	if r := s2.Do(t, "GET", "/sub/ch.b1", nil, nil); r.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q, want the location's default_type application/json", r.Get("Content-Type"))
	}
}

// The URI extension is mapped through the built-in types before default_type applies.
func TestSubDefaultTypeByExtension(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", nil))
	subPub(t, s, "a.jpg", "m", nil)
	r := s.Do(t, "GET", "/sub/a.jpg", nil, map[string]string{"If-Modified-Since": subEpoch})
	if r.Status != 200 || r.Get("Content-Type") != "image/jpeg" {
		t.Errorf("/sub/a.jpg: %d Content-Type %q, want 200 image/jpeg", r.Status, r.Get("Content-Type"))
	}
}

// Every kind of subscriber is counted while connected and removed when it goes away.
func TestSubDisconnectCounting(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_header_template": "H"})
	c.ExtraLocations = `location ~ /ev/(.*)? { push_stream_subscriber eventsource; push_stream_channels_path "$1"; }
    location ~ /lp/(.*)? { push_stream_subscriber long-polling; push_stream_channels_path "$1"; }
    location ~ /ws/(.*)? { push_stream_subscriber websocket; push_stream_channels_path "$1"; }`
	s := Start(t, c)

	var conns []*Conn
	open := func(req string) {
		conn := s.Dial(t)
		conn.Send(req)
		conns = append(conns, conn)
	}
	open(subReq("/sub/c1/c2"))
	open(subReq("/sub/c1"))
	open(subReq("/ev/c1/c2"))
	open(subReq("/lp/c2"))
	open(strings.Replace(subWSUpgrade, "%s", "/ws/c1/c2", 1))
	subWaitSubscribers(t, s, "c1", 4)
	subWaitSubscribers(t, s, "c2", 4)
	Eventually(t, 5*time.Second, func() bool { return subTotalSubscribers(t, s) == 5 }, "total subscribers not 5")
	for _, conn := range conns {
		conn.Close()
	}
	subWaitSubscribers(t, s, "c1", 0)
	subWaitSubscribers(t, s, "c2", 0)
	Eventually(t, 5*time.Second, func() bool { return subTotalSubscribers(t, s) == 0 }, "total subscribers not back to 0")
}

// Many subscribers that end by TTL all leave the counters.
func TestSubCountersAfterTTL(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_subscriber_connection_ttl": "1s",
		"push_stream_header_template":           "H",
	}))
	var conns []*Conn
	for i := 0; i < 10; i++ {
		c := s.Dial(t)
		c.Send(subReq(fmt.Sprintf("/sub/ttl%d/shared", i%3)))
		conns = append(conns, c)
	}
	for _, c := range conns {
		subHeadOK(t, c, "")
		subChunk(t, c, "H")
		subEnd(t, c, 3*time.Second)
	}
	subWaitSubscribers(t, s, "shared", 0)
	Eventually(t, 5*time.Second, func() bool { return subTotalSubscribers(t, s) == 0 }, "total subscribers not back to 0")
}

// A subscription pushes the channel's inactivity deadline; an idle empty channel goes away later.
func TestSubChannelInactivity(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("polling", map[string]string{"push_stream_channel_inactivity_time": "2s"}))
	if r := s.Do(t, "GET", "/sub/idle", nil, nil); r.Status != 304 {
		t.Fatalf("poll: %d", r.Status)
	}
	if r := s.Do(t, "GET", "/channels-stats?id=idle", nil, nil); r.Status != 200 {
		t.Fatalf("channel not created by the subscriber: %d", r.Status)
	}
	// expires = now + 2 s, destroyed at the first tick after that (ticks every 4 s).
	Eventually(t, 10*time.Second, func() bool {
		return s.Do(t, "GET", "/channels-stats?id=idle", nil, nil).Status == 404
	}, "idle channel never destroyed")
}

func TestSubHeaderTemplateFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "header.html")
	const content = "<header>\r\n  line two\n\x01\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start(t, subConf("", map[string]string{"push_stream_header_template_file": path}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subHeadOK(t, c, "")
	subChunk(t, c, content)
}

// gzip on: subscriber answers are compressed with a flush per piece (config.md §7).
func TestSubGzip(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"gzip":                                  "on",
		"push_stream_header_template":           "H",
		"push_stream_footer_template":           "F",
		"push_stream_subscriber_connection_ttl": "1s",
	}))
	subPub(t, s, "ch", "body", nil)
	gz := map[string]string{"Accept-Encoding": "gzip, compressed"}

	t.Run("polling", func(t *testing.T) {
		h := map[string]string{"If-Modified-Since": subEpoch, "X-Nginx-PushStream-Mode": "polling"}
		maps.Copy(h, gz)
		r := s.Do(t, "GET", "/sub/ch", nil, h)
		if r.Status != 200 || r.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(r.Get("Etag"), "W/") {
			t.Fatalf("status %d Content-Encoding %q Etag %q", r.Status, r.Get("Content-Encoding"), r.Get("Etag"))
		}
		if got := subGunzip(t, r.Body); got != "HbodyF" {
			t.Errorf("gunzipped body %q, want HbodyF", got)
		}
	})
	t.Run("streaming", func(t *testing.T) {
		c := s.Dial(t)
		c.Send(BuildRequest("GET", "/sub/ch.b1", nil, gz))
		r := subHeadOK(t, c, "text/html")
		if r.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q, want gzip", r.Get("Content-Encoding"))
		}
		// The header piece must be decodable before the stream ends (sync flush per piece).
		var raw []byte
		first, err := c.ReadChunk(subWait)
		if err != nil {
			t.Fatalf("first gzip chunk: %v", err)
		}
		raw = append(raw, first...)
		for {
			b, err := c.ReadChunk(3 * time.Second)
			if err != nil {
				break
			}
			raw = append(raw, b...)
		}
		if got := subGunzip(t, raw); got != "HbodyF" {
			t.Errorf("gunzipped stream %q, want HbodyF", got)
		}
	})
}

func subGunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header of %q: %v", b, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}

// Server stop ends every subscriber as on its ttl (config.md §1).
func TestSubServerStopEndsSubscribers(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_footer_template": "F"})
	c.ExtraLocations = `location ~ /lp/(.*)? { push_stream_subscriber long-polling; push_stream_channels_path "$1"; }
    location ~ /ws/(.*)? { push_stream_subscriber websocket; push_stream_channels_path "$1"; }`
	s := Start(t, c)
	st := s.Dial(t)
	st.Send(subReq("/sub/ch"))
	lp := s.Dial(t)
	lp.Send(subReq("/lp/ch"))
	ws := subWSOpen(t, s, "/ws/ch")
	subWaitSubscribers(t, s, "ch", 3)
	s.Signal(t, syscall.SIGTERM)

	subHeadOK(t, st, "")
	subChunk(t, st, "F")
	subEnd(t, st, subWait)

	r := lp.ReadHead(subWait)
	if r.Status != 304 || !r.HasRawHeader("Etag", "W/0") || r.Get("Last-Modified") == "" {
		t.Errorf("long-poll at stop: %q\n%s", r.StatusLine, r.RawHeader)
	}
	subWSExpect(t, ws, "\x81\x01F\x88\x00")
	if exited, _ := s.WaitExit(10 * time.Second); !exited {
		t.Error("server still running 10 s after SIGTERM")
	}
}
