package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM with a subscriber of every mode connected: each gets its ending
// (config.md §1, PINNED), the process exits 0 and removes its pid file.
func TestOpsSigtermDrainsEveryMode(t *testing.T) {
	t.Parallel()
	s := Start(t, Conf{Raw: opsConf("", "")})
	st := s.Dial(t)
	st.Send(subReq("/sub/term"))
	ev := s.Dial(t)
	ev.Send(subReq("/ev/term"))
	lp := s.Dial(t)
	lp.Send(subReq("/lp/term_quiet"))
	ws := subWSOpen(t, s, "/ws/term")
	subWaitSubscribers(t, s, "term", 3)
	subWaitSubscribers(t, s, "term_quiet", 1)
	s.PublishOK(t, "term", "before")

	s.Signal(t, syscall.SIGTERM)

	subHeadOK(t, st, "")
	subChunk(t, st, "before")
	subChunk(t, st, "FOOT")
	subEnd(t, st, subWait)

	subHeadOK(t, ev, "text/event-stream; charset=utf-8")
	var got []string
	for {
		b, err := ev.ReadChunk(subWait)
		if err != nil {
			break
		}
		got = append(got, string(b))
	}
	joined := strings.Join(got, "")
	if !strings.Contains(joined, "data: before\n\n") || !strings.Contains(joined, "FOOT") ||
		strings.Index(joined, "FOOT") < strings.Index(joined, "before") {
		t.Errorf("eventsource on stop got %q, want the message then the footer", got)
	}

	r := lp.ReadHead(subWait)
	if r.Status != 304 || !r.HasRawHeader("Etag", "W/0") || r.Get("Last-Modified") == "" {
		t.Errorf("long-polling on stop: %q\n%s", r.StatusLine, r.RawHeader)
	}

	subWSExpect(t, ws, subWSServerFrame(1, "before")+subWSServerFrame(1, "FOOT")+"\x88\x00")

	exited, code := s.WaitExit(10 * time.Second)
	if !exited || code != 0 {
		t.Fatalf("exited=%v code=%d after SIGTERM", exited, code)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "pushstream.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file still there: %v", err)
	}
}
