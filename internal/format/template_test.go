package format

import (
	"strings"
	"testing"

	"github.com/pushstream/pushstream/internal/hub"
)

var (
	msgHello = &hub.Message{ID: 1, Channel: "ch", Text: []byte("hello"), Time: 1714564805, Tag: 3,
		EventID: "ev1", EventType: "t1", HasEventID: true, HasEventType: true}
	msgPing     = &hub.Message{ID: hub.IDPing, Text: []byte(" ")}
	msgTimedOut = &hub.Message{ID: hub.IDTimedOut, Text: []byte("Timed out")}
)

func TestTemplateAppend(t *testing.T) {
	tests := []struct {
		name string
		tmpl string
		m    *hub.Message
		want string
	}{
		{"spec example", `<script>p(~id~,'~channel~','~text~');</script>`, msgHello, `<script>p(1,'ch','hello');</script>`},
		{"spec ping", `<script>p(~id~,'~channel~','~text~');</script>`, msgPing, `<script>p(-1,'',' ');</script>`},
		{"id text ping", `~id~:~text~`, msgPing, `-1: `},
		{"default template ping", `~text~`, msgPing, ` `},
		{"timed out", `{"id":"~id~", "message":"~text~", "channel":"~channel~", "tag":"~tag~", "time":"~time~"}`, msgTimedOut,
			`{"id":"-3", "message":"Timed out", "channel":"", "tag":"0", "time":"Thu, 01 Jan 1970 00:00:00 GMT"}`},
		{"all tokens", `~id~|~text~|~channel~|~event-id~|~event-type~|~tag~|~time~|~size~`, msgHello,
			`1|hello|ch|ev1|t1|3|Wed, 01 May 2024 12:00:05 GMT|5`},
		{"case insensitive", `~ID~ ~Text~ ~CHANNEL~ ~Event-Id~ ~EVENT-TYPE~ ~tAg~ ~SIZE~`, msgHello, `1 hello ch ev1 t1 3 5`},
		{"unknown token literal", `~x~ ~id ~~id~ id~ ~`, msgHello, `~x~ ~id ~1 id~ ~`},
		{"no tokens", `plain text`, msgHello, `plain text`},
		{"empty", ``, msgHello, ``},
		{"adjacent", `~id~~id~`, msgHello, `11`},
		{"values not rescanned", `[~text~|~channel~]`,
			&hub.Message{ID: 2, Channel: "~text~", Text: []byte("~channel~ ~id~")}, `[~channel~ ~id~|~text~]`},
		{"binary text", `<~text~>`, &hub.Message{Text: []byte{0, 0xff, '~'}}, "<\x00\xff~>"},
		{"ping has no channel", `[~channel~]`, &hub.Message{ID: hub.IDPing, Channel: "ch"}, `[]`},
		{"deleted keeps channel", `[~id~ ~channel~ ~text~]`, &hub.Message{ID: hub.IDDeleted, Channel: "ch", Text: []byte("Channel deleted")}, `[-2 ch Channel deleted]`},
		{"no event id", `[~event-id~][~event-type~]`, &hub.Message{ID: 1}, `[][]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tm := Compile(tc.tmpl)
			if got := string(tm.Append(nil, tc.m)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			// Appending keeps what dst holds.
			if got := string(tm.Append([]byte("pre"), tc.m)); got != "pre"+tc.want {
				t.Errorf("with prefix got %q", got)
			}
			if tm.String() != tc.tmpl {
				t.Errorf("String() = %q", tm.String())
			}
		})
	}
}

func TestTemplateAppendWithText(t *testing.T) {
	tm := Compile(`~text~/~size~/~id~`)
	if got := string(tm.AppendWithText(nil, msgHello, []byte("abc"))); got != "abc/3/1" {
		t.Errorf("got %q", got)
	}
}

func TestTemplateTimeIs29Bytes(t *testing.T) {
	tm := Compile(`~time~`)
	for _, ts := range []int64{0, 1, 86399, 1714564805, 4102444800} {
		got := tm.Append(nil, &hub.Message{Time: ts})
		if len(got) != HTTPDateLen {
			t.Errorf("time %d renders %q (%d bytes)", ts, got, len(got))
		}
	}
}

func TestTemplateAllocs(t *testing.T) {
	tm := Compile(`{"id":"~id~", "channel":"~channel~", "text":"~text~", "tag":"~tag~", "time":"~time~", "size":~size~}`)
	buf := make([]byte, 0, 4096)
	n := testing.AllocsPerRun(100, func() {
		buf = tm.Append(buf[:0], msgHello)
	})
	if n != 0 {
		t.Errorf("Append allocates %v times per run", n)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"", "~id~", "~TEXT~:~size~", "~x~~", "~~~", "a~time~b~event-id~~event-type~", "~channel"} {
		f.Add(s, []byte("hello\r\nworld"), "ch")
	}
	f.Fuzz(func(t *testing.T, tmpl string, text []byte, channel string) {
		m := &hub.Message{ID: 7, Channel: channel, Text: text, Time: 1714564805, Tag: 2, EventID: "e", EventType: "t"}
		tm := Compile(tmpl)
		out := tm.Append(nil, m)
		if !strings.Contains(tmpl, "~") && string(out) != tmpl {
			t.Fatalf("template without ~ rendered %q, want itself %q", out, tmpl)
		}
		es := Compile(EventSourceMessageTemplate(tmpl))
		_ = AppendEventSourceData(nil, es, m)
		_ = EventSourceHeader(tmpl)
		_ = EventSourceFooter(tmpl)
	})
}
