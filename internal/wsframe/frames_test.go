package wsframe

import (
	"bytes"
	"strings"
	"testing"
)

func TestTextFrame(t *testing.T) {
	tests := []struct {
		n    int
		head string
	}{
		{0, "\x81\x00"},
		{5, "\x81\x05"},
		{125, "\x81\x7d"},
		{126, "\x81\x7e\x00\x7e"},
		{65535, "\x81\x7e\xff\xff"},
		{65536, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"},
		{131073, "\x81\x7f\x00\x00\x00\x00\x00\x02\x00\x01"},
	}
	for _, tt := range tests {
		payload := bytes.Repeat([]byte{'a'}, tt.n)
		got := TextFrame(payload)
		if want := tt.head + string(payload); string(got) != want {
			t.Errorf("TextFrame(%d) head = %q, want %q", tt.n, got[:min(len(got), 10)], tt.head)
		}
		pre := []byte("xy")
		if got2 := AppendTextFrame(pre, payload); string(got2) != "xy"+string(got) {
			t.Errorf("AppendTextFrame(%d) mismatch", tt.n)
		}
	}
	if got := TextFrame([]byte("HEADER_TEMPLATE")); string(got) != "\x81\x0fHEADER_TEMPLATE" {
		t.Fatalf("got %q", got)
	}
	// Non-UTF-8 payloads travel unchanged.
	if got := TextFrame([]byte{0xff}); string(got) != "\x81\x01\xff" {
		t.Fatalf("got %q", got)
	}
}

func TestCloseFrame(t *testing.T) {
	got := CloseFrame(403, "Subscriber could not create channels.")
	want := "\x88I\x03\xF0{\"http_status\": 403, \"explain\":\"Subscriber could not create channels.\"}"
	if string(got) != want {
		t.Fatalf("got %q", got)
	}
	long := CloseFrame(400, strings.Repeat("x", 200))
	if long[0] != 0x88 || long[1] != 0x7e {
		t.Fatalf("long close head %q", long[:4])
	}
}

func TestFixedFrames(t *testing.T) {
	for name, tt := range map[string][2]string{
		"ping":  {string(PingFrame), "\x89\x00"},
		"pong":  {string(PongFrame), "\x8a\x00"},
		"close": {string(CloseFrame0), "\x88\x00"},
	} {
		if tt[0] != tt[1] {
			t.Errorf("%s = %q", name, tt[0])
		}
	}
}
