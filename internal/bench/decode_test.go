//go:build linux

package bench

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

func TestParseHead(t *testing.T) {
	tests := []struct {
		in      string
		status  int
		cl      int64
		chunked bool
		close   bool
		lm, tag string
	}{
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nLast-Modified: Thu, 01 Jan 1970 00:00:01 GMT\r\nEtag: W/3\r\n\r\n",
			200, -1, true, false, "Thu, 01 Jan 1970 00:00:01 GMT", "W/3"},
		{"HTTP/1.1 304 Not Modified\r\ncontent-length: 0\r\nETAG: W/0\r\nConnection: close\r\n\r\n", 304, 0, false, true, "", "W/0"},
		{"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", 200, 5, false, true, "", ""},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", 200, -1, false, false, "", ""},
		{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\r\n", 101, -1, false, false, "", ""},
	}
	for _, tt := range tests {
		var h respHead
		if err := parseHead([]byte(tt.in), &h); err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if h.status != tt.status || h.contentLength != tt.cl || h.chunked != tt.chunked || h.close != tt.close ||
			string(h.lastModified) != tt.lm || string(h.etag) != tt.tag {
			t.Errorf("%q: got %+v", tt.in, h)
		}
	}
	for _, bad := range []string{"", "HTTP/1.1 2x0 OK\r\n\r\n", "SSH-2.0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"} {
		var h respHead
		if err := parseHead([]byte(bad), &h); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func chunk(s string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(s), s) }

func TestChunkedDecoder(t *testing.T) {
	p1 := string(AppendPayload(nil, 0, 1, 11, 30))
	p2 := string(AppendPayload(nil, 0, 2, 22, 300))
	tests := []struct {
		name string
		body string
		want int  // payloads found
		done bool // terminator seen
	}{
		{"stream", chunk("<html>") + chunk(p1) + chunk("\r\n\r\n") + chunk(p2), 2, false},
		{"sse", chunk(": \n") + chunk("id: e1\n") + chunk("data: "+p1+"\n\n") + chunk("data: {\"text\":\""+p2+"\"}\n\n"), 2, false},
		{"long-poll end", chunk(p1) + chunk(p2) + "0\r\n\r\n", 2, true},
		{"extension and trailer", "1E;x=y\r\n" + p1 + "\r\n0\r\nX-T: 1\r\n\r\n", 1, true},
		{"bare LF", "1e\n" + p1 + "\n0\n\n", 1, true},
		{"payload split across chunks", chunk(p1[:7]) + chunk(p1[7:]), 1, false},
	}
	for _, tt := range tests {
		for _, piece := range []int{0, 1, 5} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, piece), func(t *testing.T) {
				var d chunkedDecoder
				var f Finder
				got := collect(&f)
				done := false
				feedPieces(tt.body, piece, func(b []byte) {
					for len(b) > 0 && !done {
						n, fin, err := d.feed(b, &f)
						if err != nil {
							t.Fatal(err)
						}
						b, done = b[n:], fin
					}
				})
				if len(*got) != tt.want || done != tt.done {
					t.Errorf("found %d payloads done=%v, want %d done=%v", len(*got), done, tt.want, tt.done)
				}
			})
		}
	}
}

func TestChunkedLeavesNextResponse(t *testing.T) {
	var d chunkedDecoder
	in := []byte(chunk("x") + "0\r\n\r\nHTTP/1.1 200 OK\r\n")
	n, done, err := d.feed(in, nil)
	if err != nil || !done || string(in[n:]) != "HTTP/1.1 200 OK\r\n" {
		t.Fatalf("n=%d done=%v err=%v rest=%q", n, done, err, in[n:])
	}
}

func TestChunkedErrors(t *testing.T) {
	for _, bad := range []string{"zz\r\n", "3\r\nabcd\r\n", "\r\n", "3\rx"} {
		var d chunkedDecoder
		if _, _, err := d.feed([]byte(bad), nil); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// frame builds a server frame; mask != nil masks it (servers should not, but may).
func frame(op byte, payload string, mask []byte) string {
	p := []byte(payload)
	h := []byte{0x80 | op}
	m := byte(0)
	if mask != nil {
		m = 0x80
	}
	switch {
	case len(p) < 126:
		h = append(h, m|byte(len(p)))
	case len(p) < 65536:
		h = append(h, m|126, 0, 0)
		binary.BigEndian.PutUint16(h[2:], uint16(len(p)))
	default:
		h = append(h, m|127, 0, 0, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint64(h[2:], uint64(len(p)))
	}
	if mask != nil {
		h = append(h, mask...)
		for i := range p {
			p[i] ^= mask[i%4]
		}
	}
	return string(h) + string(p)
}

func TestWSDecoder(t *testing.T) {
	p1 := string(AppendPayload(nil, 1, 1, 11, 50))
	p2 := string(AppendPayload(nil, 1, 2, 22, 200))
	p3 := string(AppendPayload(nil, 1, 3, 33, 70000))
	tests := []struct {
		name   string
		in     string
		want   int
		closed bool
	}{
		{"7-bit", frame(1, "HEADER", nil) + frame(1, p1, nil), 1, false},
		{"16-bit", frame(1, `{"text":"`+p2+`"}`, nil), 1, false},
		{"64-bit", frame(1, p3, nil), 1, false},
		{"ping and empty frames skipped", "\x89\x00" + frame(1, "", nil) + frame(1, p1, nil) + "\x8a\x00", 1, false},
		{"masked", frame(1, p2, []byte{1, 2, 3, 4}), 1, false},
		{"fragmented", "\x01" + frame(0, p1[:9], nil)[1:] + frame(0, p1[9:], nil), 1, false},
		{"close ends", frame(1, p1, nil) + "\x88\x00" + frame(1, p2, nil), 1, true},
		{"close with reason", frame(1, p1, nil) + frame(8, "\x03\xf0{\"http_status\": 403}", nil), 1, true},
	}
	for _, tt := range tests {
		for _, piece := range []int{0, 1, 4} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, piece), func(t *testing.T) {
				var d wsDecoder
				var f Finder
				got := collect(&f)
				closed := false
				feedPieces(tt.in, piece, func(b []byte) {
					if !closed {
						closed = d.feed(b, &f)
					}
				})
				if len(*got) != tt.want || closed != tt.closed {
					t.Errorf("found %d closed=%v, want %d closed=%v", len(*got), closed, tt.want, tt.closed)
				}
			})
		}
	}
}

func TestWSDecoderNoAlloc(t *testing.T) {
	var d wsDecoder
	var f Finder
	f.OnFind = func(int64, int64, int64) {}
	in := []byte(strings.Repeat(frame(1, string(AppendPayload(nil, 0, 1, 1, 100)), nil), 10))
	if a := testing.AllocsPerRun(100, func() { d.feed(in, &f) }); a != 0 {
		t.Errorf("allocs = %v", a)
	}
}
