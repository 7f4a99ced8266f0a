package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Conformance audit against the original subscriber acceptance suite: examples that no other test
// pinned byte for byte (misc/spec/subscriber/*.rb).

// properties_spec "should check accepted methods": OPTIONS over HTTP/1.0 still answers HTTP/1.1.
func TestAuditSubOptionsHTTP10(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", nil))
	r := s.DoRaw(t, "OPTIONS /sub/ch_test_accepted_methods_0 HTTP/1.0\r\n\r\n")
	if r.StatusLine != "HTTP/1.1 200 OK" || !r.HasRawHeader("Content-Length", "0") || len(r.Body) != 0 {
		t.Errorf("OPTIONS HTTP/1.0:\n%s\nbody %q", r.RawHeader, r.Body)
	}
}

// websocket_spec "should not try to parse the request line when receive a frame after send close
// frame": bytes after the ttl close frame are never read as an HTTP request.
func TestAuditSubWebSocketDataAfterCloseFrame(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{"push_stream_subscriber_connection_ttl": "1s"}))
	c := subWSOpen(t, s, "/sub/ch_test_data_after_close_frame_parse_request_line.b1")
	subWSExpect(t, c, "\x88\x00")
	_ = c.TrySend("WRITE SOMETHING UNKNOWN\r\n")
	c.ReadAll(time.Second)
	if log := s.ErrorLog(); strings.Contains(log, "client sent invalid") {
		t.Errorf("data after the close frame parsed as a request:\n%s", log)
	}
}

// websocket_spec "should not try to parse the request line when doing a reload": after SIGHUP the
// open WebSocket still belongs to its channel (subscribers kept, spec README), and bytes that are
// no valid frame end it with a close frame, never with an HTTP parse.
func TestAuditSubWebSocketGarbageAfterReload(t *testing.T) {
	t.Parallel()
	s := Start(t, subWSConf(map[string]string{"push_stream_ping_message_interval": "1s"}))
	ch := "ch_test_reload_not_parse_request_line"
	subPub(t, s, ch, "body", nil)
	c := subWSOpen(t, s, "/sub/"+ch+".b1")
	subWSExpect(t, c, "\x81\x04body")
	st := s.Stats(t, "")
	if Num(t, st, "channels") != 1 || Num(t, st, "subscribers") != 1 {
		t.Fatalf("before reload: %v", st)
	}
	s.Signal(t, syscall.SIGHUP)
	Eventually(t, 5*time.Second, func() bool { return strings.Contains(s.ErrorLog(), "configuration reloaded") },
		"no reload in the error log")
	c.Send("WRITE SOMETHING UNKNOWN\r\n")
	// Pings may still be queued before the close frame; the stream must end with it.
	got := string(c.ReadAll(subWait))
	if !strings.HasSuffix(got, "\x88\x00") || strings.Trim(strings.TrimSuffix(got, "\x88\x00"), "\x89\x00") != "" {
		t.Errorf("after garbage read %q, want pings then \\x88\\x00", got)
	}
	Eventually(t, 5*time.Second, func() bool { return Num(t, s.Stats(t, ""), "subscribers") == 0 })
	if n := Num(t, s.Stats(t, ""), "channels"); n != 1 {
		t.Errorf("channels after reload %d, want 1", n)
	}
	if log := s.ErrorLog(); strings.Contains(log, "client sent invalid") {
		t.Errorf("garbage parsed as a request:\n%s", log)
	}
}

// comunication_properties_spec "should not be in loop when channel or published message contains
// one of the keywords": template keywords inside the channel id and the text are copied verbatim.
func TestAuditSubKeywordsInChannelAndText(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_header_template":       "connected",
		"push_stream_ping_message_interval": "1s",
		"push_stream_message_template":      `|{\"channel\":\"~channel~\", \"message\":\"~text~\", \"message_id\":\"~id~\"}`,
	}))
	ch := "ch_test_message_and_channel_with_same_pattern_of_the_template~channel~~channel~~channel~~text~~text~~text~"
	body := "~channel~~channel~~channel~~text~~text~~text~"
	subPub(t, s, ch, body, nil)
	c := s.Dial(t)
	c.Send(subReq("/sub/" + ch + ".b1"))
	subHeadOK(t, c, "")
	subChunk(t, c, "connected")
	subChunk(t, c, fmt.Sprintf(`|{"channel":"%s", "message":"%s", "message_id":"1"}`, ch, body))
	subChunkWithin(t, c, `|{"channel":"", "message":" ", "message_id":"-1"}`, 3*time.Second)
}

// receive_old_message_spec "should receive old messages with equals 'if_modified_since' header
// untie them by the 'if_none_match' header", in every mode, with the request values exactly as the
// Ruby client sends them: a "UTC" zone and a bare tag without "W/".
func TestAuditSubReplayUntieByTagAllModes(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_message_template": `~text~\r\n`})
	for _, m := range []string{"polling", "long-polling", "eventsource", "websocket"} {
		c.ExtraLocations += fmt.Sprintf("location ~ /%s/(.*)? { push_stream_subscriber %s; push_stream_channels_path \"$1\"; }\n", m, m)
	}
	s := Start(t, c)

	// Ten messages inside one second, so their tags are 1..10 and "now" is that second.
	var ch string
	var now time.Time
	for attempt := 0; ; attempt++ {
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 20*time.Millisecond))) // align to a fresh second
		ch = fmt.Sprintf("ch_untie_%d", attempt)
		now = time.Now()
		for i := 0; i < 10; i++ {
			subPub(t, s, ch, fmt.Sprintf("msg %d", i), nil)
		}
		if time.Now().Unix() == now.Unix() {
			break
		}
		if attempt == 3 {
			t.Fatal("could not publish ten messages within one second")
		}
	}
	hdr := map[string]string{
		"If-Modified-Since": now.UTC().Format("Mon, 02 Jan 2006 15:04:05") + " UTC",
		"If-None-Match":     "6",
	}
	want := "msg 6\r\nmsg 7\r\nmsg 8\r\nmsg 9\r\n"
	for _, m := range []string{"polling", "long-polling"} {
		r := s.Do(t, "GET", "/"+m+"/"+ch, nil, hdr)
		if r.Status != 200 || string(r.Body) != want || r.Get("Etag") != "W/10" || r.Get("Last-Modified") == "" {
			t.Errorf("%s: %d %q Etag %q Last-Modified %q", m, r.Status, r.Body, r.Get("Etag"), r.Get("Last-Modified"))
		}
	}
	var lines []string
	for k, v := range hdr {
		lines = append(lines, k+": "+v)
	}
	st := s.Dial(t)
	st.Send(subReq("/sub/"+ch, lines...))
	subHeadOK(t, st, "")
	for i := 6; i <= 9; i++ {
		subChunk(t, st, fmt.Sprintf("msg %d\r\n", i))
	}
	ev := s.Dial(t)
	ev.Send(subReq("/eventsource/"+ch, lines...))
	subHeadOK(t, ev, subEventStream)
	subChunk(t, ev, ": \n")
	for i := 6; i <= 9; i++ {
		subChunk(t, ev, fmt.Sprintf("data: msg %d\r\n\n\n", i))
	}
	ws := s.Dial(t)
	ws.Send("GET /websocket/" + ch + " HTTP/1.0\r\nConnection: Upgrade\r\nSec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\n" +
		"Upgrade: websocket\r\nSec-WebSocket-Version: 8\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\n")
	subWSExpect(t, ws, subWS101+"\x81\x07msg 6\r\n\x81\x07msg 7\r\n\x81\x07msg 8\r\n\x81\x07msg 9\r\n")
}
