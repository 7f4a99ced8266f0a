package format

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pushstream/pushstream/internal/config"
)

func TestPaddingPinned(t *testing.T) {
	// subscriber.md §9: rules "[T|t]est 1,1024,508:[T|t]est 2,4097,0", header "0123456789".
	rules := []config.PaddingRule{
		{UserAgent: regexp.MustCompile(`[T|t]est 1`), Header: 1024, Message: 508},
		{UserAgent: regexp.MustCompile(`[T|t]est 2`), Header: 4097, Message: 0},
	}
	p := NewPadding(4097)
	const header = "0123456789"
	for _, tc := range []struct {
		ua   string
		want int
	}{{"Test 1", 1100}, {"Test 2", 4097}, {"Test 3", 0}} {
		got := 0
		if r := MatchPaddingRule(rules, tc.ua); r != nil {
			got = p.Size(r.Header, len(header))
		}
		if got != tc.want {
			t.Errorf("%s: header padding %d, want %d", tc.ua, got, tc.want)
		}
	}

	// Rule "[T|t]est 1,0,545": message length → padding.
	p = NewPadding(545)
	for _, tc := range []struct{ have, want int }{
		{1, 545}, {105, 500}, {221, 400}, {331, 300}, {435, 200}, {502, 100}, {550, 0}, {545, 0}, {544, 100},
	} {
		if got := p.Size(545, tc.have); got != tc.want {
			t.Errorf("message of %d: padding %d, want %d", tc.have, got, tc.want)
		}
	}
}

func TestPaddingBytes(t *testing.T) {
	for _, max := range []int{1, 2, 99, 100, 101, 545, 1024, 4097} {
		p := NewPadding(max)
		for _, n := range []int{1, 2, 3, 100, max} {
			if n > max {
				continue
			}
			s := string(p.Stream(n))
			want := strings.Repeat("\r\n", (n+1)/2)[n%2:]
			if s != want {
				t.Errorf("max %d: Stream(%d) = %q…, want %q…", max, n, trunc(s), trunc(want))
			}
			e := string(p.EventSource(n))
			if e != strings.Repeat(":", n-1)+"\n" {
				t.Errorf("max %d: EventSource(%d) = %q…", max, n, trunc(e))
			}
		}
		if p.Stream(0) != nil || p.Stream(max+1) != nil || p.EventSource(max+1) != nil {
			t.Errorf("max %d: out of range sizes must give nil", max)
		}
	}
	// Odd sizes start with "\n", even with "\r"; every size ends with "\r\n".
	p := NewPadding(545)
	if s := p.Stream(545); s[0] != '\n' || string(s[len(s)-2:]) != "\r\n" {
		t.Errorf("odd padding %q…", trunc(string(s)))
	}
}

func TestPaddingNone(t *testing.T) {
	var nilP *Padding
	for _, p := range []*Padding{NewPadding(0), nilP} {
		if p.Size(100, 0) != 0 || p.Stream(1) != nil || p.EventSource(1) != nil {
			t.Errorf("empty padding table pads")
		}
	}
}

func TestPaddingAllocs(t *testing.T) {
	p := NewPadding(4097)
	n := testing.AllocsPerRun(100, func() {
		_ = p.Stream(p.Size(4097, 10))
		_ = p.EventSource(p.Size(1024, 13))
	})
	if n != 0 {
		t.Errorf("padding allocates %v times", n)
	}
}

func TestMatchPaddingRule(t *testing.T) {
	rules := []config.PaddingRule{
		{UserAgent: regexp.MustCompile(`MSIE [6-8]`), Header: 1, Message: 1},
		{UserAgent: regexp.MustCompile(`Safari`), Header: 2, Message: 2},
		{UserAgent: regexp.MustCompile(`.`), Header: 3, Message: 3},
	}
	for _, tc := range []struct {
		ua   string
		want int // Header of the chosen rule, 0 = none
	}{
		{"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)", 1},
		{"Mozilla/5.0 AppleWebKit Safari/537", 2},
		{"curl", 3},
		{"", 0},
	} {
		got := 0
		if r := MatchPaddingRule(rules, tc.ua); r != nil {
			got = r.Header
		}
		if got != tc.want {
			t.Errorf("%q: rule %d, want %d", tc.ua, got, tc.want)
		}
	}
	if MatchPaddingRule(nil, "x") != nil {
		t.Error("no rules must match nothing")
	}
}

func trunc(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
