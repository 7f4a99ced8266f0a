package router

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseChannelsPath(t *testing.T) {
	tests := []struct {
		in   string
		want []ChannelRef
	}{
		{"", nil},
		{"ch1", []ChannelRef{{"ch1", 0}}},
		{"ch1.b3/ch2", []ChannelRef{{"ch1", 3}, {"ch2", 0}}},
		{"room.b18.beautiful.b3", []ChannelRef{{"room.b18.beautiful", 3}}},
		{"ch.b", []ChannelRef{{"ch.b", 0}}},
		{"ch.b0", []ChannelRef{{"ch", 0}}},
		{"/ch1", []ChannelRef{{"", 0}, {"ch1", 0}}},
		{"//ch1", []ChannelRef{{"", 0}, {"", 0}, {"ch1", 0}}},
		{"ch1/", []ChannelRef{{"ch1", 0}}},
		{"ch1.b5/ch2/ch3.b10", []ChannelRef{{"ch1", 5}, {"ch2", 0}, {"ch3", 10}}},
		{"ch1/ch1", []ChannelRef{{"ch1", 0}, {"ch1", 0}}},
		{".b5", []ChannelRef{{"", 5}}},
		{"a.b1x/b", []ChannelRef{{"a.b1x", 0}, {"b", 0}}},
		{"a.b99999999999999999999999", []ChannelRef{{"a", math.MaxInt}}},
		{"a.b12.b3/", []ChannelRef{{"a.b12", 3}}},
	}
	for _, tt := range tests {
		if got := ParseChannelsPath(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseChannelsPath(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseChannelsPath checks that parsing never panics and that
// re-joining the parsed elements gives back a path with the same parse.
func FuzzParseChannelsPath(f *testing.F) {
	for _, s := range []string{"ch1", "ch1.b3/ch2", "room.b18.beautiful.b3", "ch.b", "ch.b0", "/ch1", "//", ".b", "a.b9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refs := ParseChannelsPath(s)
		if s == "" {
			if refs != nil {
				t.Fatalf("empty input gave %v", refs)
			}
			return
		}
		if len(refs) == 0 {
			t.Fatalf("%q gave no channels", s)
		}
		total := 0
		for _, r := range refs {
			if r.Backtrack < 0 {
				t.Fatalf("%q: negative backtrack", s)
			}
			if strings.Contains(r.ID, "/") {
				t.Fatalf("%q: id %q contains '/'", s, r.ID)
			}
			total += len(r.ID)
		}
		if total > len(s) {
			t.Fatalf("%q: ids longer than input", s)
		}
		// Round trip: writing every element as ID.bN and parsing again
		// gives the same elements.
		var b strings.Builder
		for i, r := range refs {
			if i > 0 {
				b.WriteByte('/')
			}
			b.WriteString(r.ID + ".b" + strconv.Itoa(r.Backtrack))
		}
		if again := ParseChannelsPath(b.String()); !reflect.DeepEqual(again, refs) {
			t.Fatalf("%q: round trip %q gave %+v, want %+v", s, b.String(), again, refs)
		}
	})
}
