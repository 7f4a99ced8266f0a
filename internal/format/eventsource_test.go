package format

import (
	"testing"

	"github.com/pushstream/pushstream/internal/hub"
)

func TestEventSourceHeaderFooter(t *testing.T) {
	tests := []struct {
		in, header, footer string
	}{
		{"", ": \n", ""},
		{"header line 1\nheader line 2\rheader line 3\r\nheader line 4",
			": header line 1\n: header line 2\n: header line 3\n: header line 4\n",
			": header line 1\n: header line 2\n: header line 3\n: header line 4\n"},
		{`footer line 1\nfooter line 2`, ": footer line 1\\nfooter line 2\n", ": footer line 1\\nfooter line 2\n"},
		{": already a comment\nsecond", ": already a comment\nsecond", ": already a comment\nsecond"},
		{"a\n\n\r\nb\n", ": a\n: b\n", ": a\n: b\n"},
		{"\r\n", "", ""},
		{":x", ": :x\n", ": :x\n"},
	}
	for _, tc := range tests {
		if got := EventSourceHeader(tc.in); got != tc.header {
			t.Errorf("EventSourceHeader(%q) = %q, want %q", tc.in, got, tc.header)
		}
		if got := EventSourceFooter(tc.in); got != tc.footer {
			t.Errorf("EventSourceFooter(%q) = %q, want %q", tc.in, got, tc.footer)
		}
	}
}

func TestEventSourceMessageTemplate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "data: ~text~\n"},
		{"~text~", "data: ~text~\n"},
		{`{"id":"~id~", "message":"~text~"}`, "data: {\"id\":\"~id~\", \"message\":\"~text~\"}\n"},
		{"data: ~text~|", "data: ~text~|"},
		{"data:~text~", "data: data:~text~\n"},
	}
	for _, tc := range tests {
		if got := EventSourceMessageTemplate(tc.in); got != tc.want {
			t.Errorf("EventSourceMessageTemplate(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAppendEventSourceData(t *testing.T) {
	tests := []struct {
		name, tmpl string
		m          *hub.Message
		want       string
	}{
		{"multi line default", "", &hub.Message{ID: 1, Text: []byte("line 1\nline 2\rline 3\r\nline 4")},
			"data: line 1\ndata: line 2\ndata: line 3\ndata: line 4\n\n"},
		{"json template", `{"id":"~id~", "message":"~text~"}`, &hub.Message{ID: 1, Text: []byte("test message")},
			"data: {\"id\":\"1\", \"message\":\"test message\"}\n\n"},
		{"size per line", "~size~:~text~", &hub.Message{Text: []byte("ab\n\ncde\n")}, "data: 2:ab\ndata: 3:cde\n\n"},
		{"empty text", "", &hub.Message{}, "\n"},
		{"only newlines", "", &hub.Message{Text: []byte("\r\n\n")}, "\n"},
		{"hi", "", &hub.Message{Text: []byte("hi")}, "data: hi\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := Compile(EventSourceMessageTemplate(tc.tmpl))
			if got := string(AppendEventSourceData(nil, tm, tc.m)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEventSourceIDAndEvent(t *testing.T) {
	tests := []struct {
		name      string
		m         *hub.Message
		id, event string
	}{
		{"both", &hub.Message{EventID: "ev1", EventType: "t1", HasEventID: true, HasEventType: true}, "id: ev1\n", "event: t1\n"},
		{"none", &hub.Message{}, "", ""},
		{"present but empty", &hub.Message{HasEventID: true, HasEventType: true}, "id: \n", "event: \n"},
		{"type only", &hub.Message{EventType: "channel_created"}, "", "event: channel_created\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(AppendEventSourceID(nil, tc.m)); got != tc.id {
				t.Errorf("id piece %q, want %q", got, tc.id)
			}
			if got := string(AppendEventSourceEvent(nil, tc.m)); got != tc.event {
				t.Errorf("event piece %q, want %q", got, tc.event)
			}
		})
	}
	if string(EventSourcePing) != ": -1\n" {
		t.Errorf("ping %q", EventSourcePing)
	}
}

func TestEventText(t *testing.T) {
	got := string(EventText(EventChannelCreated, `ch_"a`))
	if want := `{"type": "channel_created", "channel": "ch_"a"}`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
