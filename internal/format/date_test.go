package format

import (
	"testing"
	"time"
)

func TestHTTPDate(t *testing.T) {
	tests := []struct {
		unix int64
		want string
	}{
		{0, "Thu, 01 Jan 1970 00:00:00 GMT"},
		{1, "Thu, 01 Jan 1970 00:00:01 GMT"},
		{1714564800, "Wed, 01 May 2024 12:00:00 GMT"},
		{951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
		{253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
	}
	// Three times over, each value twice in a row: the one-entry cache must hit
	// on a repeat and never answer for another second.
	for _, tc := range append(append(tests, tests...), tests...) {
		for range 2 {
			if got := HTTPDate(tc.unix); got != tc.want {
				t.Errorf("HTTPDate(%d) = %q, want %q", tc.unix, got, tc.want)
			}
		}
		if got := time.Unix(tc.unix, 0).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"); got != tc.want {
			t.Errorf("stdlib disagrees for %d: %q", tc.unix, got)
		}
	}
}

func TestParseHTTPDate(t *testing.T) {
	const may1 = 1714564800 // Wed, 01 May 2024 12:00:00 GMT
	tests := []struct {
		in   string
		want int64 // -1 = invalid
	}{
		{"Wed, 01 May 2024 12:00:00 GMT", may1},
		{"Wed, 01 May 2024 12:00:00 UTC", may1},
		{"Wed, 01 May 2024 12:00:00", may1},
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0},
		{"Thu, 01 Jan 1970 00:00:00 UTC", 0},
		{"Wednesday, 01-May-24 12:00:00 GMT", may1},
		{"Thursday, 01-Jan-70 00:00:00 GMT", 0},
		{"Wed May  1 12:00:00 2024", may1},
		{"Wed May 1 12:00:00 2024", may1},
		{"Wed May 01 12:00:00 2024", may1},
		{"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
		{"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
		{"Sun Nov  6 08:49:37 1994", 784111777},
		{"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
		{"Thu, 29 Feb 2001 00:00:00 GMT", -1},
		{"Thu, 31 Apr 2001 00:00:00 GMT", -1},
		{"Thu, 1 Jan 1970 00:00:00 GMT", -1}, // 1-digit day in RFC 1123 form
		{"Wed, 01 May 2024 24:00:00 GMT", -1},
		{"Wed, 01 May 2024 12:60:00 GMT", -1},
		{"Wed, 01 May 2024 12:00:60 GMT", -1},
		{"Wed, 01 May 2024 12-00:00 GMT", -1},
		{"Wed, 01 Xay 2024 12:00:00 GMT", -1},
		{"Wed, 01 May 24 12:00:00 GMT", -1},
		{"", -1},
		{"null", -1},
		{"garbage that is long enough", -1},
		{"Wed, 01 May 2024", -1},
		{"Wed, 01 Jan 1960 00:00:00 GMT", -1}, // before the epoch
		{"Wed, 01 May 2024 12:00:0", -1},
		{"Wed May  1 12:00:00 202", -1},
	}
	for _, tc := range tests {
		got, ok := ParseHTTPDate(tc.in)
		if tc.want < 0 {
			if ok {
				t.Errorf("ParseHTTPDate(%q) = %d, want invalid", tc.in, got)
			}
			continue
		}
		if !ok || got != tc.want {
			t.Errorf("ParseHTTPDate(%q) = %d, %v; want %d", tc.in, got, ok, tc.want)
		}
	}
}

func TestParseHTTPDateRoundTrip(t *testing.T) {
	for ts := int64(0); ts < 4102444800; ts += 7919 * 3607 {
		got, ok := ParseHTTPDate(HTTPDate(ts))
		if !ok || got != ts {
			t.Fatalf("round trip %d → %q → %d, %v", ts, HTTPDate(ts), got, ok)
		}
	}
}

func TestParseTag(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"W/3", 3},
		{"6", 6},
		{"0", 0},
		{"W/10", 10},
		{`"6"`, -1},
		{"", -1},
		{"W/", -1},
		{"W", -1},
		{"w/3", -1},
		{"W/-1", -1},
		{"12a", -1},
		{" 1", -1},
		{"99999999999999999999999", -1},
		{"9223372036854775807", 9223372036854775807},
	}
	for _, tc := range tests {
		if got := ParseTag(tc.in); got != tc.want {
			t.Errorf("ParseTag(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestStatsTime(t *testing.T) {
	tm := time.Date(2024, 5, 1, 14, 0, 0, 0, time.FixedZone("x", 2*3600))
	if got := StatsTime(tm); got != "2024-05-01T12:00:00" {
		t.Errorf("StatsTime = %q", got)
	}
}

func FuzzParseHTTPDate(f *testing.F) {
	for _, s := range []string{"Wed, 01 May 2024 12:00:00 GMT", "Wednesday, 01-May-24 12:00:00 GMT", "Wed May  1 12:00:00 2024", "null"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, ok := ParseHTTPDate(s)
		if ok && ts < 0 {
			t.Fatalf("negative time %d for %q", ts, s)
		}
	})
}
