package e2e

import (
	"strings"
	"testing"
)

// Padding by user agent (subscriber.md §9, pitfall 12).

// subPadStream is the streaming padding of size n: the tail of "\r\n" repeated.
func subPadStream(n int) string { return strings.Repeat("\r\n", n)[n:] }

// subPadEvent is the EventSource padding of size n.
func subPadEvent(n int) string { return strings.Repeat(":", n-1) + "\n" }

func TestSubPaddingHelpers(t *testing.T) {
	if got := subPadStream(3); got != "\n\r\n" {
		t.Fatalf("odd streaming padding %q", got)
	}
	if got := subPadStream(4); got != "\r\n\r\n" {
		t.Fatalf("even streaming padding %q", got)
	}
}

// PINNED: header padding, sizes 10 + 1100, 10 + 4097, 10.
func TestSubPaddingHeader(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_padding_by_user_agent": "[T|t]est 1,1024,508:[T|t]est 2,4097,0",
		"push_stream_header_template":       "0123456789",
	}))
	tests := []struct {
		ua, padding string
	}{
		{"Test 1", subPadStream(1100)},
		{"Test 2", subPadStream(4097)},
		{"Test 3", ""},
		{"my test 1 agent", subPadStream(1100)}, // the regex matches anywhere
	}
	for i, tc := range tests {
		t.Run(tc.ua, func(t *testing.T) {
			ch := "pad" + string(rune('a'+i))
			c := s.Dial(t)
			c.Send(subReq("/sub/"+ch, "User-Agent: "+tc.ua))
			subHeadOK(t, c, "text/html")
			subChunk(t, c, "0123456789")
			if tc.padding != "" {
				subChunk(t, c, tc.padding)
			}
			subWaitSubscribers(t, s, ch, 1)
			// "Test 2" has message_min 0: no padding after messages; check the message comes next.
			subPub(t, s, ch, strings.Repeat("m", 600), nil)
			subChunk(t, c, strings.Repeat("m", 600))
		})
	}
}

// PINNED: message padding for rule "[T|t]est 1,0,545".
func TestSubPaddingMessage(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_padding_by_user_agent": "[T|t]est 1,0,545",
		"push_stream_user_agent":            "$arg_ua",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch?ua=test%201")) // %-decoded user agent from the variable
	subWaitSubscribers(t, s, "ch", 1)
	sizes := []struct{ msg, pad int }{{1, 545}, {105, 500}, {221, 400}, {331, 300}, {435, 200}, {502, 100}, {550, 0}, {1, 545}}
	for i, sz := range sizes {
		body := strings.Repeat("x", sz.msg)
		subPub(t, s, "ch", body, nil)
		if i == 0 {
			subHeadOK(t, c, "")
		}
		subChunk(t, c, body)
		if sz.pad > 0 {
			subChunk(t, c, subPadStream(sz.pad))
		}
	}
}

func TestSubPaddingPingAndReplay(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("", map[string]string{
		"push_stream_padding_by_user_agent": "Test,0,300",
		"push_stream_ping_message_interval": "1s",
		"push_stream_message_template":      "~id~",
	}))
	subPub(t, s, "ch", "old", nil)
	c := s.Dial(t)
	c.Send(subReq("/sub/ch.b1", "User-Agent: Test"))
	subHeadOK(t, c, "")
	subChunk(t, c, "1")
	subChunk(t, c, subPadStream(300)) // 300-1 = 299 -> index 2 -> L = 300
	subChunk(t, c, "-1")
	subChunk(t, c, subPadStream(300))
}

func TestSubPaddingEventSource(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("eventsource", map[string]string{
		"push_stream_padding_by_user_agent": "[T|t]est 1,100,545",
		"push_stream_ping_message_interval": "1s",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch", "User-Agent: Test 1"))
	subHeadOK(t, c, subEventStream)
	subChunk(t, c, ": \n")
	subChunk(t, c, subPadEvent(100)) // 100-3 = 97 -> index 0 -> 100
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "x", nil)
	subChunk(t, c, "data: x\n\n")
	subChunk(t, c, subPadEvent(545)) // 545-9 = 536 -> index 5 = L
	subChunk(t, c, ": -1\n")         // EventSource pings are never padded
	subChunk(t, c, ": -1\n")
}

// Polling and long-polling are never padded.
func TestSubPaddingNotForPolling(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "long-polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf(mode, map[string]string{
				"push_stream_padding_by_user_agent": "Test,1000,1000",
				"push_stream_header_template":       "H",
			}))
			subPub(t, s, "ch", "m", nil)
			r := s.Do(t, "GET", "/sub/ch.b1", nil, map[string]string{"User-Agent": "Test"})
			if r.Status != 200 || string(r.Body) != "Hm" {
				t.Errorf("got %d %q, want 200 Hm without padding", r.Status, r.Body)
			}
		})
	}
}

// The deleted-channel message is padded like any message.
func TestSubPaddingDeletedMessage(t *testing.T) {
	t.Parallel()
	c := subConf("", map[string]string{"push_stream_padding_by_user_agent": "Test,0,300"})
	c.PublisherMode = "admin"
	s := Start(t, c)
	conn := s.Dial(t)
	conn.Send(subReq("/sub/ch", "User-Agent: Test"))
	subWaitSubscribers(t, s, "ch", 1)
	s.Do(t, "DELETE", "/pub?id=ch", nil, nil)
	subHeadOK(t, conn, "")
	subChunk(t, conn, "Channel deleted")
	subChunk(t, conn, subPadStream(300)) // 300-15 = 285 -> index 2 = L
	subEnd(t, conn, subWait)
}
