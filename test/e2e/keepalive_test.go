package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

func keepaliveConf() Conf {
	return Conf{
		PublisherMode: "admin",
		HTTP: map[string]string{
			"push_stream_shared_memory_size": "256m", "keepalive_requests": "500",
			"push_stream_header_template": "", "push_stream_message_template": "~text~", "push_stream_footer_template": "",
		},
	}
}

// roundTrip sends one request on c and reads the full answer.
func roundTrip(t *testing.T, c *Conn, method, path, body string) *Resp {
	t.Helper()
	var b []byte
	if method == "POST" || method == "PUT" {
		b = []byte(body)
	}
	c.Send(BuildRequest(method, path, b, map[string]string{"Host": "test"}))
	return c.ReadResp(10*time.Second, method == "HEAD")
}

func TestKeepaliveManyChannelsOneSocket(t *testing.T) {
	t.Parallel()
	s := Start(t, keepaliveConf())
	single, double := s.Dial(t), s.Dial(t)
	const prefix = "ch_test_create_many_channels_"
	reHead := regexp.MustCompile(`^\{"hostname": "[^"]*", "time": "\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", "channels": (\d+), "wildcard_channels": 0, "uptime": [0-9]*, "infos": \[\r\n`)
	for j := 1; j <= 600; j++ {
		ch := fmt.Sprintf("%s%d", prefix, j)
		r := roundTrip(t, single, "POST", "/pub?id="+ch, "channel started")
		if r.Status != 200 || string(r.Body) != singleJSON(ch, 1, 1, 0) {
			t.Fatalf("request %d: %d %q", j, r.Status, r.Body)
		}
		r = roundTrip(t, double, "POST", fmt.Sprintf("/pub?id=%s/%s_%d", ch, ch, j), "channel started")
		body := string(r.Body)
		m := reHead.FindStringSubmatch(body)
		if r.Status != 200 || m == nil || m[1] != fmt.Sprint(j*2) ||
			!strings.Contains(body, fmt.Sprintf("{\"channel\": \"%s\", \"published_messages\": 2, \"stored_messages\": 2, \"subscribers\": 0},\r\n", ch)) ||
			!strings.Contains(body, fmt.Sprintf("{\"channel\": \"%s_%d\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n", ch, j)) {
			t.Fatalf("double request %d: %d %q", j, r.Status, body)
		}
	}
}

func TestKeepaliveInfoOffOneSocket(t *testing.T) {
	t.Parallel()
	c := keepaliveConf()
	c.HTTP["push_stream_channel_info_on_publish"] = "off"
	s := Start(t, c)
	conn := s.Dial(t)
	for j := 1; j <= 600; j++ {
		r := roundTrip(t, conn, "POST", fmt.Sprintf("/pub?id=ch_%d", j), "channel started")
		if r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("request %d: %d %q", j, r.Status, r.Body)
		}
	}
}

func TestKeepaliveDifferentOperations(t *testing.T) {
	t.Parallel()
	s := Start(t, keepaliveConf())
	c := s.Dial(t)
	const ch = "ch_test_different_operation_with_keepalive"
	r := roundTrip(t, c, "GET", "/pub", "")
	if len(r.Body) != 0 || !r.HasRawHeader("X-Nginx-PushStream-Explain", "No channel id provided.") {
		t.Errorf("GET /pub: %d %q\n%s", r.Status, r.Body, r.RawHeader)
	}
	if r = roundTrip(t, c, "POST", "/pub?id="+ch, "message to be sent"); string(r.Body) != singleJSON(ch, 1, 1, 0) {
		t.Errorf("POST: %q", r.Body)
	}
	r = roundTrip(t, c, "GET", "/channels-stats", "")
	if !regexp.MustCompile(`"channels": 1, "wildcard_channels": 0, "published_messages": 1, "stored_messages": 1, "messages_in_trash": 0, "channels_in_delete": 0, "channels_in_trash": 0, "subscribers": 0, "uptime": [0-9]*, "by_worker": \[\r\n`).Match(r.Body) ||
		!regexp.MustCompile(`\{"pid": "[0-9]*", "subscribers": 0, "uptime": [0-9]*\}`).Match(r.Body) {
		t.Errorf("summary %q", r.Body)
	}
	if r = roundTrip(t, c, "DELETE", "/pub?id="+ch+"_1", ""); r.StatusLine != "HTTP/1.1 404 Not Found" {
		t.Errorf("DELETE missing: %q", r.StatusLine)
	}
	r = roundTrip(t, c, "GET", "/channels-stats?id=ALL", "")
	if !strings.Contains(string(r.Body), `"channels": 1, "wildcard_channels": 0, "uptime": `) || !strings.Contains(string(r.Body), singleJSON(ch, 1, 1, 0)) {
		t.Errorf("ALL %q", r.Body)
	}
	if r = roundTrip(t, c, "GET", "/pub?id="+ch, ""); string(r.Body) != singleJSON(ch, 1, 1, 0) {
		t.Errorf("GET: %q", r.Body)
	}
	r = roundTrip(t, c, "POST", "/pub?id="+ch+"/broad_"+ch, "message to be sent")
	if !strings.Contains(string(r.Body), `"channels": 1, "wildcard_channels": 1, "uptime": `) ||
		!strings.Contains(string(r.Body), fmt.Sprintf("{\"channel\": \"%s\", \"published_messages\": 2, \"stored_messages\": 2, \"subscribers\": 0},\r\n", ch)) ||
		!strings.Contains(string(r.Body), fmt.Sprintf("{\"channel\": \"broad_%s\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n", ch)) {
		t.Errorf("group POST %q", r.Body)
	}
	if r = roundTrip(t, c, "GET", "/channels-stats?id="+ch, ""); string(r.Body) != singleJSON(ch, 2, 2, 0) {
		t.Errorf("stats %q", r.Body)
	}
	if r = roundTrip(t, c, "DELETE", "/pub?id="+ch, ""); !r.HasRawHeader("X-Nginx-PushStream-Explain", "Channel deleted.") {
		t.Errorf("DELETE:\n%s", r.RawHeader)
	}
	// Pipelined requests are answered in order.
	c.Send(BuildRequest("GET", "/pub?id=", nil, nil) + BuildRequest("POST", "/pub?id=pipe", []byte("x"), nil) + BuildRequest("GET", "/pub?id=pipe", nil, nil))
	if r := c.ReadResp(5*time.Second, false); r.Status != 400 {
		t.Errorf("pipelined 1: %d", r.Status)
	}
	if r := c.ReadResp(5*time.Second, false); string(r.Body) != singleJSON("pipe", 1, 1, 0) {
		t.Errorf("pipelined 2: %q", r.Body)
	}
	if r := c.ReadResp(5*time.Second, false); string(r.Body) != singleJSON("pipe", 1, 1, 0) {
		t.Errorf("pipelined 3: %q", r.Body)
	}
}

func TestKeepaliveLongPollingOneSocket(t *testing.T) {
	t.Parallel()
	c := keepaliveConf()
	c.HTTP["push_stream_store_messages"] = "off"
	c.SubscriberMode = "long-polling"
	s := Start(t, c)
	sub, pub := s.Dial(t), s.Dial(t)
	const ch = "ch_test_subscribe_with_keepalive"
	for j := 1; j <= 200; j++ {
		sub.Send("GET /sub/" + ch + " HTTP/1.1\r\nHost: test\r\n\r\n")
		// Store is off: publish only once the long-poll waits (observable as a subscriber).
		Eventually(t, 5*time.Second, func() bool {
			r := roundTrip(t, pub, "GET", "/channels-stats?id="+ch, "")
			return r.Status == 200 && strings.Contains(string(r.Body), `"subscribers": 1}`)
		}, "long-poll %d not waiting", j)
		msg := fmt.Sprintf("message to be sent %03d", j)
		if r := roundTrip(t, pub, "POST", "/pub?id="+ch, msg); r.Status != 200 {
			t.Fatalf("publish %d: %d", j, r.Status)
		}
		head := sub.ReadHead(5 * time.Second)
		if head.Status != 200 {
			t.Fatalf("long-poll %d: %d", j, head.Status)
		}
		chunk, err := sub.ReadChunk(5 * time.Second)
		if err != nil || string(chunk) != msg {
			t.Fatalf("long-poll %d: chunk %q %v", j, chunk, err)
		}
		if _, err := sub.ReadChunk(5 * time.Second); err == nil {
			t.Fatalf("long-poll %d: more than one chunk", j)
		}
	}
}

// TestHeaderNameCase greps raw header bytes for the exact names of README §3.
func TestHeaderNameCase(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{HTTP: map[string]string{"push_stream_allowed_origins": "*"}})
	checks := []struct {
		name string
		resp func() *Resp
		want []string
	}{
		{"explain", func() *Resp { return s.Do(t, "GET", "/pub?id=", nil, nil) }, []string{"X-Nginx-PushStream-Explain: No channel id provided.", "Expires: ", "Cache-Control: "}},
		{"cors", func() *Resp { return s.Do(t, "GET", "/pub?id=x", nil, nil) }, []string{"Access-Control-Allow-Origin: *", "Access-Control-Allow-Methods: GET, POST, PUT", "Access-Control-Allow-Headers: "}},
		{"allow", func() *Resp { return s.Do(t, "HEAD", "/pub?id=x", nil, nil) }, []string{"Allow: GET, POST, PUT"}},
		{"stats", func() *Resp { return s.Do(t, "GET", "/channels-stats", nil, nil) }, []string{"X-Nginx-PushStream-Tag: ", "X-Nginx-PushStream-Commit: ", "Expires: ", "Cache-Control: "}},
	}
	// The statistics location has no CORS handling (statistics.md §1).
	if r := s.Do(t, "GET", "/channels-stats", nil, nil); strings.Contains(strings.ToLower(r.RawHeader), "access-control-") {
		t.Errorf("stats answer carries CORS headers:\n%s", r.RawHeader)
	}
	for _, c := range checks {
		r := c.resp()
		for _, w := range c.want {
			if !strings.Contains(r.RawHeader, "\r\n"+w) {
				t.Errorf("%s: raw header lacks %q:\n%s", c.name, w, r.RawHeader)
			}
		}
	}
}
