package e2e

import (
	"testing"
	"time"
)

// EventSource (subscriber.md §6, worked example (f), pitfalls 10 and 11).

const subEventStream = "text/event-stream; charset=utf-8"

func TestSubEventSourceHeaderTemplates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, want string
	}{
		{"default", "", ": \n"},
		{"multi-line", `header line 1\nheader line 2\rheader line 3\r\nheader line 4`,
			": header line 1\n: header line 2\n: header line 3\n: header line 4\n"},
		{"empty lines dropped", `\n\nheader\r\n\r\n`, ": header\n"},
		{"already a comment", `: kept\n`, ": kept\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf("eventsource", map[string]string{"push_stream_header_template": tc.header}))
			c := s.Dial(t)
			c.Send(subReq("/sub/ch"))
			subHeadOK(t, c, subEventStream)
			subChunk(t, c, tc.want)
		})
	}
}

func TestSubEventSourceMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		template string
		body     string
		hdr      map[string]string
		pieces   []string
	}{
		{"multi-line body", "", "line 1\nline 2\rline 3\r\nline 4", nil,
			[]string{"data: line 1\ndata: line 2\ndata: line 3\ndata: line 4\n\n"}},
		{"empty lines dropped", "", "a\n\n\nb\r\n", nil, []string{"data: a\ndata: b\n\n"}},
		{"event id", `{\"id\":\"~id~\", \"message\":\"~text~\"}`, "test message", map[string]string{"Event-Id": "ev1"},
			[]string{"id: ev1\n", "data: {\"id\":\"1\", \"message\":\"test message\"}\n\n"}},
		{"event type", "", "test message", map[string]string{"Event-type": "t1"},
			[]string{"event: t1\n", "data: test message\n\n"}},
		{"id then type", "", "m", map[string]string{"Event-Id": "e", "Event-Type": "t"},
			[]string{"id: e\n", "event: t\n", "data: m\n\n"}},
		{"template per line", "~size~:~text~", "ab\ncde", nil, []string{"data: 2:ab\ndata: 3:cde\n\n"}},
		{"template already data", `data: <~text~>\n`, "x\ny", nil, []string{"data: <x>\ndata: <y>\n\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf("eventsource", map[string]string{"push_stream_message_template": tc.template}))
			c := s.Dial(t)
			c.Send(subReq("/sub/ch"))
			subHeadOK(t, c, subEventStream)
			subChunk(t, c, ": \n")
			subWaitSubscribers(t, s, "ch", 1)
			subPub(t, s, "ch", tc.body, tc.hdr)
			for _, p := range tc.pieces {
				subChunk(t, c, p)
			}
		})
	}
}

func TestSubEventSourcePing(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("eventsource", map[string]string{
		"push_stream_ping_message_interval": "1s",
		"push_stream_message_template":      "~id~:~text~",
		"push_stream_ping_message_text":     "ignored",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subHeadOK(t, c, subEventStream)
	subChunk(t, c, ": \n")
	subChunk(t, c, ": -1\n")
	subChunk(t, c, ": -1\n")
}

func TestSubEventSourceFooterAtTTL(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("eventsource", map[string]string{
		"push_stream_footer_template":           `footer line 1\\nfooter line 2`,
		"push_stream_subscriber_connection_ttl": "1s",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subHeadOK(t, c, subEventStream)
	subChunk(t, c, ": \n")
	subChunkWithin(t, c, ": footer line 1\\nfooter line 2\n", 3*time.Second)
	subEnd(t, c, time.Second)
}

// A real multi-line footer becomes one comment line per line.
func TestSubEventSourceFooterLines(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("eventsource", map[string]string{
		"push_stream_footer_template":           `f1\r\nf2`,
		"push_stream_subscriber_connection_ttl": "1s",
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch"))
	subHeadOK(t, c, subEventStream)
	subChunk(t, c, ": \n")
	subChunkWithin(t, c, ": f1\n: f2\n", 3*time.Second)
	subEnd(t, c, time.Second)
}

// Content-Type stays fixed whatever default_type says; replay through Last-Event-Id.
func TestSubEventSourceReplayLastEventID(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("eventsource", nil))
	subPub(t, s, "ch", "msg 1", map[string]string{"Event-Id": "event 1"})
	subPub(t, s, "ch", "msg 2", map[string]string{"Event-Id": "event 2"})
	subPub(t, s, "ch", "msg 3", nil)
	subPub(t, s, "ch", "msg 4", map[string]string{"Event-Id": "event 3"})
	c := s.Dial(t)
	c.Send(subReq("/sub/ch", "Last-Event-Id: event 2"))
	subHeadOK(t, c, subEventStream)
	for _, p := range []string{": \n", "data: msg 3\n\n", "id: event 3\n", "data: msg 4\n\n"} {
		subChunk(t, c, p)
	}
}

func TestSubEventSourceDelete(t *testing.T) {
	t.Parallel()
	c := subConf("eventsource", map[string]string{"push_stream_footer_template": "bye"})
	c.PublisherMode = "admin"
	s := Start(t, c)
	conn := s.Dial(t)
	conn.Send(subReq("/sub/ch"))
	subHeadOK(t, conn, subEventStream)
	subChunk(t, conn, ": \n")
	subWaitSubscribers(t, s, "ch", 1)
	s.Do(t, "DELETE", "/pub?id=ch", nil, nil)
	subChunk(t, conn, "data: Channel deleted\n\n")
	subChunk(t, conn, ": bye\n")
	subEnd(t, conn, subWait)
}

// Templates are transformed once per effective configuration, also when an if block applies
// (config.md §3, PINNED: no ": : header").
func TestSubEventSourceIfBlock(t *testing.T) {
	t.Parallel()
	c := subConf("eventsource", map[string]string{
		"push_stream_header_template":           "header",
		"push_stream_footer_template":           "footer",
		"push_stream_message_template":          "~text~",
		"push_stream_subscriber_connection_ttl": "1s",
	})
	c.SubscriberExtra = `if ($arg_tests = "on") { push_stream_channels_path "test_$1"; }`
	s := Start(t, c)
	for _, q := range []string{"", "?tests=on"} {
		ch := "ch"
		if q != "" {
			ch = "test_ch"
		}
		conn := s.Dial(t)
		conn.Send(subReq("/sub/ch" + q))
		subHeadOK(t, conn, subEventStream)
		subChunk(t, conn, ": header\n")
		subWaitSubscribers(t, s, ch, 1)
		subPub(t, s, ch, "m", nil)
		subChunk(t, conn, "data: m\n\n")
		subChunkWithin(t, conn, ": footer\n", 3*time.Second)
		subEnd(t, conn, time.Second)
	}
}
