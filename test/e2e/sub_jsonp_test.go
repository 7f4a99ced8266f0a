package e2e

import (
	"fmt"
	"testing"
)

// JSONP (subscriber.md §7, worked example (d), pitfall 1).

func TestSubJSONPPieces(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "long-polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf(mode, nil))
			subPub(t, s, "ch", "body", nil)
			subPub(t, s, "ch", "body1", nil)
			c := s.Dial(t)
			c.Send(subReq("/sub/ch.b2?callback=cb"))
			r := subHeadOK(t, c, "application/javascript")
			if r.Header.Get("Etag") != "W/2" || r.Header.Get("Last-Modified") == "" {
				// Both messages were published in a row; unless a second boundary fell between them
				// the newer one carries tag 2.
				t.Logf("Etag %q Last-Modified %q", r.Header.Get("Etag"), r.Header.Get("Last-Modified"))
			}
			for _, p := range []string{"cb", "([", "body", ",", "body1", "]);"} {
				subChunk(t, c, p)
			}
			subEnd(t, c, subWait)
		})
	}
}

func TestSubJSONPSeveralChannelsInPathOrder(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "long-polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := Start(t, subConf(mode, map[string]string{"push_stream_header_template": "H", "push_stream_footer_template": "F"}))
			for m := 1; m <= 3; m++ {
				for ch := 1; ch <= 3; ch++ {
					subPub(t, s, fmt.Sprintf("ch%d", ch), fmt.Sprintf("m%d_%d", m, ch), nil)
				}
			}
			c := s.Dial(t)
			c.Send(subReq("/sub/ch1.b3/ch2.b3/ch3.b3?callback=cb"))
			subHeadOK(t, c, "application/javascript")
			want := []string{"H", "cb", "(["}
			for ch := 1; ch <= 3; ch++ {
				for m := 1; m <= 3; m++ {
					if len(want) > 3 {
						want = append(want, ",")
					}
					want = append(want, fmt.Sprintf("m%d_%d", m, ch))
				}
			}
			want = append(want, "]);", "F")
			for _, p := range want {
				subChunk(t, c, p)
			}
			subEnd(t, c, subWait)
		})
	}
}

func TestSubJSONPLongPollingLive(t *testing.T) {
	t.Parallel()
	s := Start(t, subConf("long-polling", map[string]string{
		"push_stream_message_template": `{\"text\":\"~text~\"}`,
	}))
	c := s.Dial(t)
	c.Send(subReq("/sub/ch?callback=my_cb%2Ex"))
	subWaitSubscribers(t, s, "ch", 1)
	subPub(t, s, "ch", "live", nil)
	subHeadOK(t, c, "application/javascript")
	for _, p := range []string{"my_cb.x", "([", `{"text":"live"}`, "]);"} {
		subChunk(t, c, p)
	}
	subEnd(t, c, subWait)
}

// The callback switches the Content-Type even where the location sets a default_type.
func TestSubJSONPContentTypeOverridesDefaultType(t *testing.T) {
	t.Parallel()
	// default_type "text/html" comes from the template location.
	s := Start(t, subConf("polling", nil))
	subPub(t, s, "ch", "x", nil)
	r := s.Do(t, "GET", "/sub/ch.b1?callback=f", nil, map[string]string{"Accept": "application/json"})
	if r.Header.Get("Content-Type") != "application/javascript" || string(r.Body) != "f([x]);" {
		t.Errorf("got %q %q, want application/javascript f([x]);", r.Header.Get("Content-Type"), r.Body)
	}
	r = s.Do(t, "GET", "/sub/ch.b1", nil, nil)
	if r.Header.Get("Content-Type") != "text/html" || string(r.Body) != "x" {
		t.Errorf("without callback got %q %q, want text/html x", r.Header.Get("Content-Type"), r.Body)
	}
}

// TestSub304NamesContentType: a header-only 304 of polling or of a
// long-polling timeout still carries the Content-Type the answer would have
// had: application/javascript with a callback (polling_spec "should force
// content_type to be application/javascript when using function name
// specified in callback parameter" gets a 304), else the location's type.
func TestSub304NamesContentType(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "long-polling"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			c := subConf(mode, map[string]string{"push_stream_longpolling_connection_ttl": "1s"})
			c.Sub = map[string]string{"default_type": "anything/value"}
			s := Start(t, c)
			subPub(t, s, "ch", "body", nil)
			// Polling without a replay point answers 304 at once; long-polling
			// with a newer Etag waits and times out with a 304.
			hdr := map[string]string{"Accept": "otherknown/value"}
			if mode == "long-polling" {
				hdr["If-None-Match"] = "W/5"
			}
			for _, tc := range []struct{ path, want string }{
				{"/sub/ch?callback=callback_function", "application/javascript"},
				{"/sub/ch", "anything/value"},
			} {
				r := s.Do(t, "GET", tc.path, nil, hdr)
				if r.Status != 304 || len(r.Body) != 0 || r.Get("Content-Type") != tc.want {
					t.Errorf("%s: %d body %q Content-Type %q, want a 304 naming %q\n%s", tc.path, r.Status, r.Body, r.Get("Content-Type"), tc.want, r.RawHeader)
				}
			}
		})
	}
}
