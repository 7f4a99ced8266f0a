package transport

import (
	"strconv"
	"time"

	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
)

// Poll serves a polling or long-polling subscriber (subscriber.md §7).
type Poll struct {
	W               *httpd.Response
	Hub             *hub.Hub
	Wants           []hub.Want
	Point           hub.ReplayPoint
	T               *Templates
	Long            bool
	ContentType     string
	Callback        string        // JSONP callback ("" = none)
	TTL             time.Duration // long-polling wait limit (0 = forever)
	TimeoutWithBody bool
	// Retired is closed when the location was removed by a reload: the
	// subscriber then ends as on server stop.
	Retired <-chan struct{}

	box      *mailbox
	sub      *hub.Subscription
	deadline time.Time
}

var timedOut = []byte("Timed out")

// Serve answers the request, waiting first (httpd.Response.Run) when it is
// long-polling and nothing is there yet.
func (p *Poll) Serve() {
	mode := hub.AttachNone
	if p.Long {
		mode = hub.AttachIfIdle
	}
	p.box = newMailbox(p.W.Waker().Wake)
	sub, replay, err := p.Hub.Attach(p.box, p.Wants, p.Point, mode)
	if err != nil {
		writeAttachError(p.W, err)
		return
	}
	if sub == nil {
		p.answerReplay(replay)
		return
	}
	p.W.Settle() // waiting: publishers need not wait for this request (httpd/arrivals.go)
	p.sub = sub
	p.W.OnDone(p.detach)
	if p.TTL > 0 {
		p.deadline = time.Now().Add(p.TTL)
	}
	p.W.Run(p.step)
}

func (p *Poll) detach() { p.Hub.Detach(p.sub) }

// step answers with the first queued message, or on timeout or stop.
func (p *Poll) step(ev httpd.Event) (time.Time, bool) {
	switch ev {
	case httpd.EventClosed:
		return time.Time{}, false
	case httpd.EventTimeout:
		if !p.deadline.IsZero() && !time.Now().Before(p.deadline) {
			p.Hub.Detach(p.sub)
			p.timeout()
			return time.Time{}, false
		}
	}
	if items, _ := p.box.drain(); len(items) > 0 {
		it := items[0]
		// Leave the channels before answering so the counters are back
		// when the client sees the answer.
		p.Hub.Detach(p.sub)
		if it.deleted {
			p.answer(time.Now().Unix(), 0, [][]*hub.Message{{it.m}})
		} else {
			p.answer(it.m.Time, it.m.Tag, [][]*hub.Message{{it.m}})
		}
		return time.Time{}, false
	}
	if stopping(p.W.Stopping()) || stopping(p.Retired) {
		p.Hub.Detach(p.sub)
		p.timeout()
		return time.Time{}, false
	}
	return p.deadline, true
}

// answerReplay answers at once from stored messages, or 304 when there
// is nothing (polling).
func (p *Poll) answerReplay(replay [][]*hub.Message) {
	st, sg := p.Point.Time, p.Point.Tag
	if st < 0 {
		st = 0
	}
	found := false
	for _, ms := range replay {
		if len(ms) == 0 {
			continue
		}
		found = true
		last := ms[len(ms)-1]
		if last.Time > st {
			st, sg = last.Time, last.Tag
		} else if last.Time == st && last.Tag > sg {
			sg = last.Tag
		}
	}
	if !found {
		if p.Point.Time > 0 {
			p.W.SetHeader("Last-Modified", format.HTTPDate(p.Point.Time))
		}
		if p.Point.Tag >= 0 {
			p.W.SetHeader("Etag", etag(p.Point.Tag))
		}
		p.notModified()
		return
	}
	p.answer(st, sg, replay)
}

// timeout is the long-polling answer when its time is up or the server stops.
func (p *Poll) timeout() {
	p.W.Busy() // the client's next request may follow the answer at once
	now := time.Now().Unix()
	if !p.TimeoutWithBody {
		p.W.SetHeader("Last-Modified", format.HTTPDate(now))
		p.W.SetHeader("Etag", "W/0")
		p.notModified()
		return
	}
	m := &hub.Message{ID: hub.IDTimedOut, Text: timedOut}
	p.answer(now, 0, [][]*hub.Message{{m}})
}

// notModified is the header-only 304. Like the module's, it still names
// the content type the answer would have had (application/javascript for
// JSONP, else the location's type; polling_spec "should force content_type
// ... when using function name specified in callback parameter").
func (p *Poll) notModified() {
	p.W.SetHeader("Content-Type", p.contentType())
	_ = p.W.WriteHeaderOnly(304)
}

// contentType is the answer's type: JSONP forces application/javascript.
func (p *Poll) contentType() string {
	if p.Callback != "" {
		return format.JSONPContentType
	}
	return p.ContentType
}

// answer writes a 200 with the given messages, header and footer templates
// and the JSONP wrapping, one piece per chunk, in one write.
func (p *Poll) answer(lastModified, tag int64, msgs [][]*hub.Message) {
	p.W.Busy() // the client's next request may follow the answer at once
	if lastModified > 0 {
		p.W.SetHeader("Last-Modified", format.HTTPDate(lastModified))
	}
	if tag >= 0 {
		p.W.SetHeader("Etag", etag(tag))
	}
	ct := p.contentType()
	pieces := make([][]byte, 0, 8)
	if len(p.T.Header) > 0 {
		pieces = append(pieces, p.T.Header)
	}
	if p.Callback != "" {
		pieces = append(pieces, []byte(p.Callback), format.JSONPOpen)
	}
	first := true
	for _, ms := range msgs {
		for _, m := range ms {
			if p.Callback != "" && !first {
				pieces = append(pieces, format.JSONPSeparator)
			}
			first = false
			pieces = append(pieces, render(p.T.Message, m))
		}
	}
	if p.Callback != "" {
		pieces = append(pieces, format.JSONPClose)
	}
	if len(p.T.Footer) > 0 {
		pieces = append(pieces, p.T.Footer)
	}
	_ = p.W.WriteWhole(200, ct, pieces)
}

func etag(tag int64) string { return "W/" + strconv.FormatInt(tag, 10) }
