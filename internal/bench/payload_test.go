//go:build linux

package bench

import (
	"fmt"
	"strings"
	"testing"
)

type found struct{ pub, seq, ts int64 }

func collect(f *Finder) *[]found {
	var got []found
	f.OnFind = func(p, s, ts int64) { got = append(got, found{p, s, ts}) }
	return &got
}

// feedPieces feeds s to fn in pieces of n bytes (all at once when n <= 0).
func feedPieces(s string, n int, fn func([]byte)) {
	b := []byte(s)
	if n <= 0 {
		fn(b)
		return
	}
	for len(b) > 0 {
		k := min(n, len(b))
		fn(b[:k])
		b = b[k:]
	}
}

func TestFinder(t *testing.T) {
	p1 := string(AppendPayload(nil, 0, 1, 1700000000123456789, 40))
	p2 := string(AppendPayload(nil, 3, 42, 1700000000999999999, 10))
	tests := []struct {
		name string
		in   string
		want []found
	}{
		{"bare", p1, []found{{0, 1, 1700000000123456789}}},
		{"json template", `{"id":1,"channel":"B1","text":"` + p1 + `"}` + `{"text":"` + p2 + `"}`,
			[]found{{0, 1, 1700000000123456789}, {3, 42, 1700000000999999999}}},
		{"html template", `<script>p(1,'ch','` + p2 + `');</script>`, []found{{3, 42, 1700000000999999999}}},
		{"false starts", "BB1|B1|x|B1|1|2|3|", []found{{1, 2, 3}}},
		{"missing field", "B1|1|2|xB1|5|6|7|", []found{{5, 6, 7}}},
		{"too many digits", "B1|1|2|12345678901234567890|", nil},
		{"nothing", "no payload here", nil},
	}
	for _, tt := range tests {
		for _, piece := range []int{0, 1, 3, 7} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, piece), func(t *testing.T) {
				var f Finder
				got := collect(&f)
				feedPieces(tt.in, piece, f.Feed)
				if fmt.Sprint(*got) != fmt.Sprint(tt.want) {
					t.Errorf("got %v, want %v", *got, tt.want)
				}
			})
		}
	}
}

func TestAppendPayloadSize(t *testing.T) {
	for _, size := range []int{0, 10, 100, 1000} {
		p := AppendPayload(nil, 1, 2, 3, size)
		if len(p) < len("B1|1|2|3|") || (size > 9 && len(p) != size) {
			t.Errorf("size %d: got %d bytes %q", size, len(p), p)
		}
		if !strings.HasPrefix(string(p), "B1|1|2|3|") {
			t.Errorf("size %d: %q", size, p)
		}
	}
}

func TestFinderNoAlloc(t *testing.T) {
	var f Finder
	n := 0
	f.OnFind = func(int64, int64, int64) { n++ }
	msg := []byte(`{"text":"` + string(AppendPayload(nil, 0, 1, 1700000000123456789, 100)) + `"}`)
	allocs := testing.AllocsPerRun(100, func() { f.Feed(msg) })
	if allocs != 0 || n == 0 {
		t.Errorf("allocs per Feed = %v, found %d", allocs, n)
	}
}
