package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Replay of stored messages (subscriber.md §2–§3): backtrack, Last-Event-Id,
// If-Modified-Since/If-None-Match and the directives that replace those headers.

// subMarker numbers the marker channels of subStreamPieces.
var subMarker atomic.Int64

// subStreamPieces opens a streaming subscriber and expects exactly these message chunks first.
// The path gets an extra fresh marker channel; a message published there afterwards must be the
// next chunk, which proves that nothing more was replayed.
func subStreamPieces(t *testing.T, s *Server, path string, hdr []string, want ...string) {
	t.Helper()
	mk := fmt.Sprintf("marker%d", subMarker.Add(1))
	p, q, _ := strings.Cut(path, "?")
	full := p + "/" + mk
	if q != "" {
		full += "?" + q
	}
	c := s.Dial(t)
	c.Send(subReq(full, hdr...))
	subHeadOK(t, c, "")
	subChunk(t, c, "H")
	for _, w := range want {
		subChunk(t, c, w)
	}
	subWaitSubscribers(t, s, mk, 1)
	subPub(t, s, mk, "live", nil)
	subChunk(t, c, "live")
	c.Close()
	subWaitSubscribers(t, s, mk, 0)
}

func subReplayConf(over map[string]string) Conf {
	h := map[string]string{"push_stream_header_template": "H"}
	for k, v := range over {
		h[k] = v
	}
	return subConf("", h)
}

func TestSubReplayBacktrack(t *testing.T) {
	t.Parallel()
	s := Start(t, subReplayConf(nil))
	for i := 1; i <= 3; i++ {
		for ch := 1; ch <= 3; ch++ {
			subPub(t, s, fmt.Sprintf("bt%d", ch), fmt.Sprintf("m%d_%d", i, ch), nil)
		}
	}
	subStreamPieces(t, s, "/sub/bt1.b2", nil, "m2_1", "m3_1")
	subStreamPieces(t, s, "/sub/bt1.b10", nil, "m1_1", "m2_1", "m3_1")
	subStreamPieces(t, s, "/sub/bt1.b0", nil)
	subStreamPieces(t, s, "/sub/bt1", nil)
	// Channel order = path order, then queue order.
	subStreamPieces(t, s, "/sub/bt3.b3/bt2.b1/bt1.b2", nil, "m1_3", "m2_3", "m3_3", "m3_2", "m2_1", "m3_1")
}

// PINNED: Last-Event-Id example.
func TestSubReplayLastEventID(t *testing.T) {
	t.Parallel()
	s := Start(t, subReplayConf(map[string]string{"push_stream_last_event_id": "$arg_lei"}))
	subPub(t, s, "ev", "msg 1", map[string]string{"Event-Id": "event 1"})
	subPub(t, s, "ev", "msg 2", map[string]string{"Event-Id": "event 2"})
	subPub(t, s, "ev", "msg 3", nil)
	subPub(t, s, "ev", "msg 4", map[string]string{"Event-Id": "event 3"})
	subStreamPieces(t, s, "/sub/ev", []string{"Last-Event-Id: event 2"}, "msg 3", "msg 4")
	subStreamPieces(t, s, "/sub/ev", []string{"Last-Event-Id: event 3"})
	subStreamPieces(t, s, "/sub/ev", []string{"Last-Event-Id: unknown"})
	// The directive value (decoded) replaces the header.
	subStreamPieces(t, s, "/sub/ev?lei=event%201", []string{"Last-Event-Id: event 3"}, "msg 2", "msg 3", "msg 4")
	// Backtrack wins over the event id.
	subStreamPieces(t, s, "/sub/ev.b1", []string{"Last-Event-Id: event 1"}, "msg 4")
}

func TestSubReplaySinceEpoch(t *testing.T) {
	t.Parallel()
	s := Start(t, subReplayConf(nil))
	subPub(t, s, "ch", "a", nil)
	subPub(t, s, "ch", "b", nil)
	subStreamPieces(t, s, "/sub/ch", []string{"If-Modified-Since: " + subEpoch}, "a", "b")
	subStreamPieces(t, s, "/sub/ch", []string{"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 UTC"}, "a", "b")
	// A 1-digit day is not a date: no replay.
	subStreamPieces(t, s, "/sub/ch", []string{"If-Modified-Since: Thu, 1 Jan 1970 00:00:00 GMT"})
	// A time in the future: nothing newer.
	subStreamPieces(t, s, "/sub/ch", []string{"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT"})
}

// subMeta is a polling location whose template exposes time and tag of each message.
const subMeta = `location ~ /meta/(.*)? {
      push_stream_subscriber polling;
      push_stream_channels_path "$1";
      push_stream_message_template "~time~|~tag~|~text~\n";
    }`

// PINNED: ten messages in one second with tags 1…10; If-None-Match 6 -> msg 6…9, Etag W/10.
func TestSubReplayTimeAndTag(t *testing.T) {
	t.Parallel()
	c := subReplayConf(nil)
	c.ExtraLocations = subMeta
	s := Start(t, c)
	var sec string
	var tags []int
	var ch string
	attemptsUsed := 0
	for attempt := 0; attempt < 4 && sec == ""; attempt++ {
		attemptsUsed++
		ch = fmt.Sprintf("tt%d", attempt)
		for i := 0; i < 10; i++ {
			subPub(t, s, ch, fmt.Sprintf("msg %d", i), nil)
		}
		r := s.Do(t, "GET", "/meta/"+ch+".b10", nil, nil)
		lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(r.Body), "H"), "\n"), "\n")
		if len(lines) != 10 {
			t.Fatalf("meta poll: %d %q", r.Status, r.Body)
		}
		tags = tags[:0]
		first := strings.SplitN(lines[0], "|", 3)[0]
		same := true
		for _, l := range lines {
			f := strings.SplitN(l, "|", 3)
			n, _ := strconv.Atoi(f[1])
			tags = append(tags, n)
			same = same && f[0] == first
		}
		if same {
			sec = first
		} else {
			t.Logf("second boundary crossed: %q", r.Body)
		}
	}
	if sec == "" {
		t.Skip("could not publish ten messages within one second")
	}
	// Tags are server-wide and restart at 1 every second: a fresh server's first second gives 1…10;
	// after a retry the ten tags are still consecutive.
	for i, tg := range tags {
		if tg != tags[0]+i || (attemptsUsed == 1 && tg != i+1) {
			t.Fatalf("tags %v, want consecutive (1…10 on the first attempt)", tags)
		}
	}
	g := strconv.Itoa(tags[5]) // PINNED example: If-None-Match 6 with tags 1…10
	last := strconv.Itoa(tags[9])
	hdr := []string{"If-Modified-Since: " + sec, "If-None-Match: " + g}
	subStreamPieces(t, s, "/sub/"+ch, hdr, "msg 6", "msg 7", "msg 8", "msg 9")
	subStreamPieces(t, s, "/sub/"+ch, []string{"If-Modified-Since: " + sec, "If-None-Match: W/" + g}, "msg 6", "msg 7", "msg 8", "msg 9")
	// Without a tag only strictly newer messages count.
	subStreamPieces(t, s, "/sub/"+ch, []string{"If-Modified-Since: " + sec})
	subStreamPieces(t, s, "/sub/"+ch, []string{"If-Modified-Since: " + sec, "If-None-Match: " + last})
	// Tag 0 ties nothing: every message of that second is replayed.
	all := make([]string, 10)
	for i := range all {
		all[i] = fmt.Sprintf("msg %d", i)
	}
	subStreamPieces(t, s, "/sub/"+ch, []string{"If-Modified-Since: " + sec, "If-None-Match: 0"}, all...)

	r := s.Do(t, "GET", "/sub/"+ch, nil, map[string]string{
		"X-Nginx-PushStream-Mode": "polling", "If-Modified-Since": sec, "If-None-Match": g})
	if r.Status != 200 || string(r.Body) != "Hmsg 6msg 7msg 8msg 9" {
		t.Errorf("polling: %d %q", r.Status, r.Body)
	}
	if !r.HasRawHeader("Etag", "W/"+last) || !r.HasRawHeader("Last-Modified", sec) {
		t.Errorf("polling validators, want Etag: W/%s and Last-Modified: %s:\n%s", last, sec, r.RawHeader)
	}
}

// push_stream_last_received_message_time/tag replace the headers (which are then ignored).
func TestSubReplayDirectivesReplaceHeaders(t *testing.T) {
	t.Parallel()
	s := Start(t, subReplayConf(map[string]string{
		"push_stream_last_received_message_time": "$arg_time",
		"push_stream_last_received_message_tag":  "$arg_tag",
	}))
	subPub(t, s, "ch", "a", nil)
	// The header would replay everything, but the (absent) directive value wins.
	subStreamPieces(t, s, "/sub/ch", []string{"If-Modified-Since: " + subEpoch})
	subStreamPieces(t, s, "/sub/ch?time=Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT", nil, "a")
	r := s.Do(t, "GET", "/sub/ch?time=Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT&tag=7", nil,
		map[string]string{"X-Nginx-PushStream-Mode": "polling"})
	if r.Status != 200 || string(r.Body) != "Ha" {
		t.Errorf("polling with directive values: %d %q", r.Status, r.Body)
	}
}

// Messages past push_stream_message_ttl are not replayed any more.
func TestSubReplayMessageTTL(t *testing.T) {
	t.Parallel()
	// 2 s: message times are whole seconds, so a 1 s message may already count as expired
	// a few milliseconds after its publish.
	s := Start(t, subConf("polling", map[string]string{"push_stream_message_ttl": "2s"}))
	subPub(t, s, "ch", "short lived", nil)
	r := s.Do(t, "GET", "/sub/ch.b1", nil, nil)
	if r.Status != 200 || string(r.Body) != "short lived" {
		t.Fatalf("fresh message: %d %q", r.Status, r.Body)
	}
	// Removed by the 4 s tick at the latest (an implementation may hide it as soon as it expires).
	Eventually(t, 8*time.Second, func() bool {
		return s.Do(t, "GET", "/sub/ch.b1", nil, nil).Status == 304
	}, "expired message still replayed")
}

// The replay point works the same in every subscriber mode.
func TestSubReplayAllModes(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_message_template": "~text~|"})
	for _, m := range []string{"polling", "long-polling", "eventsource", "websocket"} {
		c.ExtraLocations += fmt.Sprintf("location ~ /%s/(.*)? { push_stream_subscriber %s; push_stream_channels_path \"$1\"; }\n", m, m)
	}
	s := Start(t, c)
	subPub(t, s, "ch", "msg 1", map[string]string{"Event-Id": "event 1"})
	subPub(t, s, "ch", "msg 2", map[string]string{"Event-Id": "event 2"})
	subPub(t, s, "ch", "msg 3", nil)
	subPub(t, s, "ch", "msg 4", map[string]string{"Event-Id": "event 3"})
	lei := map[string]string{"Last-Event-Id": "event 2"}

	for _, m := range []string{"polling", "long-polling"} {
		r := s.Do(t, "GET", "/"+m+"/ch", nil, lei)
		if r.Status != 200 || string(r.Body) != "msg 3|msg 4|" || r.Get("Etag") == "" || r.Get("Last-Modified") == "" {
			t.Errorf("%s: %d %q Etag %q Last-Modified %q", m, r.Status, r.Body, r.Get("Etag"), r.Get("Last-Modified"))
		}
	}

	ev := s.Dial(t)
	ev.Send(subReq("/eventsource/ch", "Last-Event-Id: event 2"))
	subHeadOK(t, ev, subEventStream)
	for _, p := range []string{": \n", "data: msg 3|\n\n", "id: event 3\n", "data: msg 4|\n\n"} {
		subChunk(t, ev, p)
	}

	ws := s.Dial(t)
	ws.Send("GET /websocket/ch HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
		"Sec-WebSocket-Key: /mQoZf6pRiv8+6o72GncLQ==\r\nSec-WebSocket-Version: 13\r\nLast-Event-Id: event 2\r\n\r\n")
	subWSExpect(t, ws, subWS101+"\x81\x06msg 3|\x81\x06msg 4|")
}
