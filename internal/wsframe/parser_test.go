package wsframe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// frame builds a client frame; mask nil means unmasked.
func frame(fin bool, op byte, payload []byte, mask []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n < 65536:
		out = append(out, m|126, byte(n>>8), byte(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if mask == nil {
		return append(out, payload...)
	}
	out = append(out, mask...)
	for i, c := range payload {
		out = append(out, c^mask[i%4])
	}
	return out
}

var mk = []byte{0xbd, 0xd0, 0xe5, 0x2a}

type ev struct {
	kind    Kind
	payload string
}

func (e ev) String() string { return fmt.Sprintf("%v(%q)", e.kind, e.payload) }

// drain feeds input in steps of size step (0 = all at once) and collects events.
func drain(p *Parser, input []byte, step int) []ev {
	var out []ev
	collect := func() bool {
		for {
			e, ok := p.Next()
			if !ok {
				return true
			}
			out = append(out, ev{e.Kind, string(e.Payload)})
			if e.Kind == Close || e.Kind == ProtocolError || e.Kind == InvalidUTF8 {
				return false
			}
		}
	}
	if step == 0 {
		step = len(input) + 1
	}
	for i := 0; i < len(input); i += step {
		p.Feed(input[i:min(i+step, len(input))])
		if !collect() {
			return out
		}
	}
	collect()
	return out
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParser(t *testing.T) {
	big := bytes.Repeat([]byte("z"), 70000)
	mid := bytes.Repeat([]byte("m"), 300)
	tests := []struct {
		name string
		in   []byte
		max  int
		want []ev
	}{
		{"spec (g) masked hello", []byte("\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2"), 0, []ev{{Text, "hello"}}},
		{"spec (g) ping with payload", []byte("\x89\x05Hello"), 0, []ev{{Ping, "Hello"}}},
		{"spec (g) masked close", []byte("\x88\x80\xbd\xd0\xe5\x2a"), 0, []ev{{Close, ""}}},
		{"unmasked text", frame(true, 1, []byte("hi"), nil), 0, []ev{{Text, "hi"}}},
		{"empty text", frame(true, 1, nil, mk), 0, []ev{{Text, ""}}},
		{"pong ignored by caller", []byte("\x8a\x80\xbd\xd0\xe5\x2a"), 0, []ev{{Pong, ""}}},
		{"16-bit length", frame(true, 1, mid, mk), 0, []ev{{Text, string(mid)}}},
		{"64-bit length", frame(true, 1, big, mk), 0, []ev{{Text, string(big)}}},
		{"several frames in one read", cat(frame(true, 1, []byte("a"), mk), frame(true, 9, nil, nil), frame(true, 1, []byte("b"), nil)), 0,
			[]ev{{Text, "a"}, {Ping, ""}, {Text, "b"}}},
		{"fragmented", cat(frame(false, 1, []byte("hel"), mk), frame(false, 0, []byte("l"), mk), frame(true, 0, []byte("o"), mk)), 0,
			[]ev{{Text, "hello"}}},
		{"ping between fragments", cat(frame(false, 1, []byte("he"), mk), frame(true, 9, []byte("p"), mk), frame(true, 0, []byte("y"), mk)), 0,
			[]ev{{Ping, "p"}, {Text, "hey"}}},
		{"utf8 split across fragments", cat(frame(false, 1, []byte{0xd8}, mk), frame(true, 0, []byte{0xa3}, mk)), 0,
			[]ev{{Text, "\xd8\xa3"}}},
		{"binary", []byte("\x82\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2"), 0, []ev{{ProtocolError, ""}}},
		{"reserved opcode", frame(true, 3, nil, mk), 0, []ev{{ProtocolError, ""}}},
		{"continuation without start", frame(true, 0, []byte("x"), mk), 0, []ev{{ProtocolError, ""}}},
		{"text inside fragmented", cat(frame(false, 1, []byte("a"), mk), frame(true, 1, []byte("b"), mk)), 0, []ev{{ProtocolError, ""}}},
		{"fragmented binary", cat(frame(false, 2, []byte("a"), mk)), 0, []ev{{ProtocolError, ""}}},
		{"ping without FIN", frame(false, 9, nil, mk), 0, []ev{{Ping, ""}}},
		{"ping over 125 bytes", frame(true, 9, mid, mk), 0, []ev{{Ping, string(mid)}}},
		{"ping beyond the message bound", frame(true, 9, mid, mk), 100, []ev{{ProtocolError, ""}}},
		{"too large single", frame(true, 1, mid, mk), 100, []ev{{ProtocolError, ""}}},
		{"too large fragments", cat(frame(false, 1, mid[:60], mk), frame(true, 0, mid[:60], mk)), 100, []ev{{ProtocolError, ""}}},
		{"64-bit length MSB", []byte("\x81\xff\x80\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04"), 0, []ev{{ProtocolError, ""}}},
		{"declared huge refused before payload", []byte("\x81\x7f\x00\x00\x00\x01\x00\x00\x00\x00"), 0, []ev{{ProtocolError, ""}}},
		{"invalid utf8 text", frame(true, 1, []byte("\xa3\xd9\x8e"), mk), 0, []ev{{InvalidUTF8, ""}}},
		{"invalid utf8 ping", frame(true, 9, []byte{0xff}, mk), 0, []ev{{InvalidUTF8, ""}}},
		{"invalid utf8 fragments", cat(frame(false, 1, []byte{0xd8}, mk), frame(true, 0, []byte("a"), mk)), 0, []ev{{InvalidUTF8, ""}}},
		{"close with a text reason", frame(true, 8, []byte("bye"), mk), 0, []ev{{Close, "bye"}}},
		{"close with a status code is not UTF-8", frame(true, 8, []byte("\x03\xe8bye"), mk), 0, []ev{{InvalidUTF8, ""}}},
		{"close with bad reason", frame(true, 8, []byte("\x03\xe8\xff"), mk), 0, []ev{{InvalidUTF8, ""}}},
		{"nothing after close", cat(frame(true, 8, nil, mk), frame(true, 1, []byte("x"), mk)), 0, []ev{{Close, ""}}},
		{"rsv bits ignored like the original", []byte("\xc1\x02hi"), 0, []ev{{Text, "hi"}}},
		{"incomplete", frame(true, 1, []byte("hello"), mk)[:7], 0, nil},
	}
	for _, tt := range tests {
		for _, step := range []int{0, 1, 2, 3, 7} {
			t.Run(fmt.Sprintf("%s/step%d", tt.name, step), func(t *testing.T) {
				p := &Parser{MaxMessage: tt.max}
				got := drain(p, append([]byte(nil), tt.in...), step)
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			})
		}
	}
}

func TestParserTerminalSticky(t *testing.T) {
	var p Parser
	p.Feed([]byte("\x82\x00"))
	for range 3 {
		if e, ok := p.Next(); !ok || e.Kind != ProtocolError {
			t.Fatalf("got %v %v", e, ok)
		}
	}
	p.Feed([]byte("\x81\x00"))
	if e, _ := p.Next(); e.Kind != ProtocolError {
		t.Fatalf("got %v", e)
	}
}

func TestParserReleasesBigBuffers(t *testing.T) {
	var p Parser
	p.Feed(frame(false, 1, bytes.Repeat([]byte("a"), 10000), mk))
	p.Feed(frame(true, 0, []byte("b"), mk))
	e, ok := p.Next()
	if !ok || e.Kind != Text || len(e.Payload) != 10001 {
		t.Fatalf("got %v %v", e.Kind, ok)
	}
	if _, ok := p.Next(); ok {
		t.Fatal("unexpected event")
	}
	if cap(p.buf) > retainLimit || cap(p.msg) > retainLimit || p.Buffered() != 0 {
		t.Fatalf("kept buffers: buf %d msg %d", cap(p.buf), cap(p.msg))
	}
}

func FuzzParser(f *testing.F) {
	f.Add([]byte("\x81\x85\xbd\xd0\xe5\x2a\xd5\xb5\x89\x46\xd2"), uint8(1))
	f.Add([]byte("\x89\x05Hello\x88\x80\xbd\xd0\xe5\x2a"), uint8(3))
	f.Add(cat(frame(false, 1, []byte("a"), mk), frame(true, 0, []byte("b"), nil)), uint8(0))
	f.Add([]byte("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		p := &Parser{MaxMessage: 1 << 16}
		for _, e := range drain(p, in, int(step)) {
			if e.kind < Text || e.kind > InvalidUTF8 {
				t.Fatalf("bad kind %v", e.kind)
			}
		}
	})
}
