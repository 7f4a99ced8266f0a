package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	reStatsTime     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d`)
	reStatsUptime   = regexp.MustCompile(`("uptime": |uptime: |<uptime>)\d+`)
	reStatsHostname = regexp.MustCompile(`("hostname": "|hostname: |<hostname>)([^"\r<,]*)`)
)

// maskStats replaces hostname (checked against the machine's), time and uptime values with H, T and U.
func maskStats(t *testing.T, body string) string {
	t.Helper()
	host, _ := os.Hostname()
	host = strings.ToLower(host)
	for _, m := range reStatsHostname.FindAllStringSubmatch(body, -1) {
		if m[2] != host {
			t.Errorf("hostname %q, want %q", m[2], host)
		}
	}
	body = reStatsHostname.ReplaceAllString(body, "${1}H")
	body = reStatsTime.ReplaceAllString(body, "T")
	return reStatsUptime.ReplaceAllString(body, "${1}U")
}

// maskGroupHead is maskStats for group documents (kept separate for readability at call sites).
func maskGroupHead(t *testing.T, body string) string {
	t.Helper()
	return maskStats(t, body)
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip reader: %v (body %q)", err, b)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(out)
}

func statsGet(t *testing.T, s *Server, id, accept string) *Resp {
	t.Helper()
	hdr := map[string]string{}
	if accept != "" {
		hdr["Accept"] = accept
	}
	return s.Do(t, "GET", "/channels-stats?id="+id, nil, hdr)
}

func TestStatsFormats(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})

	// Empty ALL first (statistics.md §4 empty group).
	r := statsGet(t, s, "ALL", "")
	if got, want := maskStats(t, string(r.Body)), "{\"hostname\": \"H\", \"time\": \"T\", \"channels\": 0, \"wildcard_channels\": 0, \"uptime\": U, \"infos\": [\r\n]}\r\n"; got != want {
		t.Errorf("empty ALL\n got %q\nwant %q", got, want)
	}
	s.PublishOK(t, "ch1", "m1")
	s.PublishOK(t, "ch2", "m2")

	pid := s.PID
	jsonSingle := "{\"channel\": \"ch1\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n"
	jsonGroup := "{\"hostname\": \"H\", \"time\": \"T\", \"channels\": 2, \"wildcard_channels\": 0, \"uptime\": U, \"infos\": [\r\n" +
		"{\"channel\": \"ch1\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0},\r\n" +
		"{\"channel\": \"ch2\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n]}\r\n"
	jsonSummary := fmt.Sprintf("{\"hostname\": \"H\", \"time\": \"T\", \"channels\": 2, \"wildcard_channels\": 0, \"published_messages\": 2, \"stored_messages\": 2, \"messages_in_trash\": 0, \"channels_in_delete\": 0, \"channels_in_trash\": 0, \"subscribers\": 0, \"uptime\": U, \"by_worker\": [\r\n{\"pid\": \"%d\", \"subscribers\": 0, \"uptime\": U}\r\n]}\r\n", pid)

	plainSingle := "channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n"
	plainGroup := "hostname: H, time: T, channels: 2, wildcard_channels: 0, uptime: U, infos: \r\n" +
		"channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0,\r\n" +
		"channel: ch2\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n"
	plainSummary := fmt.Sprintf("hostname: H\r\ntime: T\r\nchannels: 2\r\nwildcard_channels: 0\r\npublished_messages: 2\r\nstored_messages: 2\r\nmessages_in_trash: 0\r\nchannels_in_delete: 0\r\nchannels_in_trash: 0\r\nsubscribers: 0\r\nuptime: U\r\nby_worker:\r\n  pid: %d\r\n  subscribers: 0\r\n  uptime: U\r\n", pid)

	yamlSingle := "  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n"
	yamlGroup := "hostname: H\r\ntime: T\r\nchannels: 2\r\nwildcard_channels: 0\r\nuptime: U\r\ninfos: \r\n" +
		" -\r\n  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n" +
		" -\r\n  channel: ch2\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n"
	yamlSummary := fmt.Sprintf("  hostname: H\r\n  time: T\r\n  channels: 2\r\n  wildcard_channels: 0\r\n  published_messages: 2\r\n  stored_messages: 2\r\n  messages_in_trash: 0\r\n  channels_in_delete: 0\r\n  channels_in_trash: 0\r\n  subscribers: 0\r\n  uptime: U\r\n  by_worker:\r\n   -\r\n    pid: %d\r\n    subscribers: 0\r\n    uptime: U\r\n", pid)

	xmlChannel := func(ch string) string {
		return "<channel>\r\n  <name>" + ch + "</name>\r\n  <published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n</channel>\r\n"
	}
	xmlHead := "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n"
	xmlSingle := xmlHead + xmlChannel("ch1") + "\r\n"
	xmlGroup := xmlHead + "<root>\r\n  <hostname>H</hostname>\r\n  <time>T</time>\r\n  <channels>2</channels>\r\n  <wildcard_channels>0</wildcard_channels>\r\n  <uptime>U</uptime>\r\n  <infos>\r\n" +
		xmlChannel("ch1") + xmlChannel("ch2") + "  </infos>\r\n</root>\r\n"
	xmlSummary := xmlHead + fmt.Sprintf("<infos>\r\n  <hostname>H</hostname>\r\n  <time>T</time>\r\n  <channels>2</channels>\r\n  <wildcard_channels>0</wildcard_channels>\r\n  <published_messages>2</published_messages>\r\n  <stored_messages>2</stored_messages>\r\n  <messages_in_trash>0</messages_in_trash>\r\n  <channels_in_delete>0</channels_in_delete>\r\n  <channels_in_trash>0</channels_in_trash>\r\n  <subscribers>0</subscribers>\r\n  <uptime>U</uptime>\r\n  <by_worker><worker>\r\n  <pid>%d</pid>\r\n  <subscribers>0</subscribers>\r\n  <uptime>U</uptime>\r\n</worker>\r\n</by_worker>\r\n</infos>\r\n", pid)

	formats := []struct {
		accept, ctype          string
		single, group, summary string
	}{
		{"", "application/json", jsonSingle, jsonGroup, jsonSummary},
		{"application/json", "application/json", jsonSingle, jsonGroup, jsonSummary},
		{"text/x-json", "text/x-json", jsonSingle, jsonGroup, jsonSummary},
		{"text/plain", "text/plain", plainSingle, plainGroup, plainSummary},
		{"application/yaml", "application/yaml", yamlSingle, yamlGroup, yamlSummary},
		{"text/x-yaml", "text/x-yaml", yamlSingle, yamlGroup, yamlSummary},
		{"application/xml", "application/xml", xmlSingle, xmlGroup, xmlSummary},
	}
	for _, f := range formats {
		t.Run("accept="+f.accept, func(t *testing.T) {
			for _, q := range []struct{ id, want string }{{"ch1", f.single}, {"ch1/ch2", f.group}, {"", f.summary}, {"ALL", f.group}, {"ch*", f.group}} {
				r := statsGet(t, s, q.id, f.accept)
				if r.Status != 200 || r.Get("Content-Type") != f.ctype {
					t.Errorf("id=%q: %d Content-Type %q, want 200 %q", q.id, r.Status, r.Get("Content-Type"), f.ctype)
				}
				if got := maskStats(t, string(r.Body)); got != q.want {
					t.Errorf("id=%q\n got %q\nwant %q", q.id, got, q.want)
				}
				if r.Get("Content-Length") != fmt.Sprint(len(r.Body)) {
					t.Errorf("id=%q: Content-Length %q for %d bytes", q.id, r.Get("Content-Length"), len(r.Body))
				}
				assertNoCache(t, r)
				if !r.HasRawHeader("X-Nginx-PushStream-Tag", "0.5.5") || !r.HasRawHeader("X-Nginx-PushStream-Commit", "3bc016f811d50374251960db091557571dfd7393") {
					t.Errorf("id=%q: Tag/Commit headers missing:\n%s", q.id, r.RawHeader)
				}
			}
		})
	}
}

func TestStatsAcceptNegotiation(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	s.PublishOK(t, "ch1", "m")
	cases := []struct{ accept, ctype string }{
		{"text/html", "application/json"},
		{"*/*", "application/json"},
		{"text/html,application/xml", "application/xml"},
		{"text/html,application/xhtml+xml,application/xml;q=0.9", "application/xml"},
		{"application/x-json", "text/x-json"},
		{"application/x-yaml", "text/x-yaml"},
		{"text/plainfoo", "text/plain"},
		{"text/PLAIN", "application/json"},
		{"application/json, text/plain", "application/json"},
		{"text/yaml;q=1, application/xml", "application/yaml"},
	}
	for _, tc := range cases {
		r := statsGet(t, s, "ch1", tc.accept)
		if r.Get("Content-Type") != tc.ctype {
			t.Errorf("Accept %q: Content-Type %q, want %q", tc.accept, r.Get("Content-Type"), tc.ctype)
		}
	}
	// Pinned regexes per format (statistics.md §6).
	for _, f := range []struct{ accept, re string }{
		{"application/json", `"stored_messages": 1, `}, {"text/x-json", `"stored_messages": 1, `},
		{"text/plain", "stored_messages: 1\r\n"}, {"application/yaml", "stored_messages: 1\r\n"},
		{"text/x-yaml", "stored_messages: 1\r\n"}, {"application/xml", "<stored_messages>1</stored_messages>"},
	} {
		if b := statsGet(t, s, "", f.accept).Body; !strings.Contains(string(b), f.re) {
			t.Errorf("summary %s lacks %q: %q", f.accept, f.re, b)
		}
	}
}

func TestStatsLookups(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"push_stream_max_channel_id_length": "10"}})
	for _, ch := range []string{"ch", "ch_1", "broad_x", "ch2", "ch3", "other"} {
		s.PublishOK(t, ch, "m")
	}
	names := func(m map[string]any) []string {
		var out []string
		for _, e := range Infos(t, m) {
			out = append(out, e["channel"].(string))
		}
		return out
	}
	check := func(id string, want ...string) {
		t.Helper()
		got := names(s.Stats(t, id))
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("id=%q lists %v, want %v", id, got, want)
		}
	}
	check("*", "ch", "ch_1", "broad_x", "ch2", "ch3", "other")
	check("ALL", "ch", "ch_1", "broad_x", "ch2", "ch3", "other")
	check("ch*", "ch", "ch_1", "ch2", "ch3")
	check("ch_*", "ch_1")
	check("zz*")
	check("ch3/ch4/ch2", "ch3", "ch2")
	check("ch2/ALL", "ch", "ch_1", "broad_x", "ch2", "ch3", "other")
	m := s.Stats(t, "ALL")
	if Num(t, m, "channels") != 5 || Num(t, m, "wildcard_channels") != 1 {
		t.Errorf("totals %v", m)
	}
	// Missing ids → 404 header-only; a single hit → single object.
	assertHeaderOnly(t, statsGet(t, s, "nonexist", ""), 404, "")
	assertHeaderOnly(t, statsGet(t, s, "x1/x2", ""), 404, "")
	if b := string(statsGet(t, s, "ch3/x2", "").Body); b != singleJSON("ch3", 1, 1, 0) {
		t.Errorf("ch3/x2 = %q", b)
	}
	assertHeaderOnly(t, statsGet(t, s, "12345678901", ""), 400, "Channel id is too large.")
	// Only GET.
	for _, m := range []string{"HEAD", "OPTIONS", "POST", "PUT", "DELETE"} {
		var body []byte
		if m == "POST" || m == "PUT" {
			body = []byte("x")
		}
		r := s.Do(t, m, "/channels-stats?id=ch", body, nil)
		assertHeaderOnly(t, r, 405, "")
		if !r.HasRawHeader("Allow", "GET") {
			t.Errorf("%s: Allow %q", m, r.Get("Allow"))
		}
	}
	// Stats never create channels.
	if Num(t, s.Stats(t, ""), "channels") != 5 {
		t.Errorf("stats lookups created channels")
	}
}

func TestStatsSubscriberAndUptime(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	c, head := s.OpenStream(t, "/sub/ch_sub", nil)
	if head.Status != 200 {
		t.Fatalf("subscribe %d", head.Status)
	}
	if _, err := c.ReadChunk(5 * time.Second); err != nil {
		t.Fatalf("header chunk: %v", err)
	}
	Eventually(t, 5*time.Second, func() bool {
		m := s.Stats(t, "ch_sub")
		return Num(t, m, "subscribers") == 1
	}, "subscriber not counted")
	m := s.Stats(t, "ch_sub")
	if Num(t, m, "published_messages") != 0 || Num(t, m, "stored_messages") != 0 {
		t.Errorf("subscriber-created channel %v", m)
	}
	sum := s.Stats(t, "")
	if Num(t, sum, "subscribers") != 1 || Num(t, sum, "channels") != 1 {
		t.Errorf("summary %v", sum)
	}
	w := sum["by_worker"].([]any)[0].(map[string]any)
	if w["pid"] != fmt.Sprint(s.PID) || Num(t, w, "subscribers") != 1 {
		t.Errorf("by_worker %v (pid %d)", w, s.PID)
	}
	// Uptime grows with the wall clock: two reads 2 s apart differ by 2–3.
	u1, t1 := Num(t, sum, "uptime"), time.Now()
	Eventually(t, 4*time.Second, func() bool { return time.Since(t1) >= 2*time.Second }, "clock")
	if d := Num(t, s.Stats(t, ""), "uptime") - u1; d < 2 || d > 3 {
		t.Errorf("uptime grew by %d in 2s", d)
	}
}

func TestStatsEscaping(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{})
	s.PublishOK(t, "a%22%3Cb", "m")
	r := statsGet(t, s, "ALL", "")
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("ALL with id a\"<b is not valid JSON: %v\n%q", err, r.Body)
	}
	if Infos(t, m)[0]["channel"] != "a\"<b" {
		t.Errorf("channel %v", Infos(t, m)[0]["channel"])
	}
	if b := string(statsGet(t, s, "ALL", "application/xml").Body); !strings.Contains(b, "<name>a&quot;&lt;b</name>") && !strings.Contains(b, "<name>a\"&lt;b</name>") {
		t.Errorf("xml not escaped: %q", b)
	}
}

func TestStatsGzip(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"gzip": "on"}})
	s.PublishOK(t, "ch1", "m")
	gz := map[string]string{"Accept-Encoding": "gzip"}
	for _, id := range []string{"ch1", "", "ALL"} {
		r := s.Do(t, "GET", "/channels-stats?id="+id, nil, gz)
		if r.Status != 200 || r.Get("Content-Encoding") != "gzip" || r.Get("Content-Length") != "" {
			t.Errorf("id=%q: %d CE=%q CL=%q", id, r.Status, r.Get("Content-Encoding"), r.Get("Content-Length"))
			continue
		}
		if !strings.Contains(gunzip(t, r.Body), `"stored_messages": 1`) {
			t.Errorf("id=%q: bad gunzipped body", id)
		}
	}
	r := s.Do(t, "GET", "/channels-stats?id=missing", nil, gz)
	if r.Status != 404 || r.Get("Content-Encoding") != "" {
		t.Errorf("404 gzip: %d CE=%q", r.Status, r.Get("Content-Encoding"))
	}
	// Without Accept-Encoding: plain.
	if r := s.Do(t, "GET", "/channels-stats?id=ch1", nil, nil); r.Get("Content-Encoding") != "" || string(r.Body) != singleJSON("ch1", 1, 1, 0) {
		t.Errorf("no gzip requested: CE=%q body %q", r.Get("Content-Encoding"), r.Body)
	}
}

// TestStatsManyChannelsPrefix: a plain byte-prefix listing over many channels (statistics.md §1).
func TestStatsManyChannelsPrefix(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"push_stream_store_messages": "off", "keepalive_requests": "5000"}})
	c := s.Dial(t)
	const n = 20000
	for i := 1; i <= n; i++ {
		c.Send(BuildRequest("POST", fmt.Sprintf("/pub?id=ch_test_many_%d", i), []byte("x"), nil))
		if r := c.ReadResp(5*time.Second, false); r.Status != 200 {
			t.Fatalf("publish %d: %d", i, r.Status)
		}
	}
	start := time.Now()
	all := Infos(t, s.Stats(t, "ALL"))
	if len(all) != n || all[0]["channel"] != "ch_test_many_1" || all[n-1]["channel"] != fmt.Sprintf("ch_test_many_%d", n) {
		t.Errorf("ALL lists %d channels", len(all))
	}
	// _10* → 10, 100–109, 1000–1099, 10000–10999 (PINNED 1111 of 20 000).
	if got := len(Infos(t, s.Stats(t, "ch_test_many_10*"))); got != 1111 {
		t.Errorf("prefix listing has %d entries, want 1111", got)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("listing took %v", d)
	}
}
