package handler

import (
	"net/http"
	"sync"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/metrics"
	"github.com/pushstream/pushstream/internal/router"
)

// ops serves the operations locations: push_stream_metrics and
// push_stream_health live|ready.
func (h *Handler) ops(w *httpd.Response, r *http.Request, rt *router.Route) {
	noCache(w)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.SetHeader("Allow", "GET, HEAD")
		_ = w.WriteHeaderOnly(405)
		return
	}
	switch rt.Location.Handler {
	case config.HandlerMetrics:
		if h.Metrics == nil {
			_ = w.WriteHeaderOnly(404)
			return
		}
		body, err := h.Metrics.Render()
		if err != nil {
			h.Log.Error("metrics", "error", err.Error())
			_ = w.WriteHeaderOnly(500)
			return
		}
		_ = w.WriteBody(200, metrics.ContentType, body)
	case config.HandlerHealthLive:
		_ = w.WriteBody(200, "text/plain", []byte("ok\n"))
	case config.HandlerHealthReady:
		if h.Ready != nil && !h.Ready() {
			_ = w.WriteBody(503, "text/plain", []byte("not ready\n"))
			return
		}
		_ = w.WriteBody(200, "text/plain", []byte("ready\n"))
	}
}

// liveSubs tracks the connected subscribers of one handler generation by
// location, so a reload can end those whose location disappeared.
type liveSubs struct {
	mu   sync.Mutex
	locs map[*config.Location]*liveLoc
}

type liveLoc struct {
	retired chan struct{}
	closed  bool
	wakers  map[*httpd.Waker]struct{}
}

// at returns the record of loc, creating it; l.mu must be held.
func (l *liveSubs) at(loc *config.Location) *liveLoc {
	if l.locs == nil {
		l.locs = map[*config.Location]*liveLoc{}
	}
	ll := l.locs[loc]
	if ll == nil {
		ll = &liveLoc{retired: make(chan struct{}), wakers: map[*httpd.Waker]struct{}{}}
		l.locs[loc] = ll
	}
	return ll
}

// track registers a subscriber of loc (waker wakes its connection) and
// counts it in the metrics. It returns the channel closed when loc is
// retired and the function to call when the subscriber ends.
func (h *Handler) track(loc *config.Location, mode config.SubscriberMode, wk *httpd.Waker) (<-chan struct{}, func()) {
	l := &h.live
	l.mu.Lock()
	ll := l.at(loc)
	ll.wakers[wk] = struct{}{}
	l.mu.Unlock()
	untrack := metrics.Default.SubscriberStarted(mode)
	return ll.retired, func() {
		untrack()
		l.mu.Lock()
		delete(ll.wakers, wk)
		l.mu.Unlock()
	}
}

// Retire ends the subscribers of every location removed(loc) reports: they
// get their footer (close frame, 304) as on server stop. Subscribers that
// arrive later on a retired location end at once.
func (h *Handler) Retire(removed func(*config.Server, *config.Location) bool) (ended int) {
	l := &h.live
	l.mu.Lock()
	var wake []*httpd.Waker
	for _, srv := range h.Config.Servers {
		for _, loc := range srv.Locations {
			if loc.Handler != config.HandlerSubscriber || !removed(srv, loc) {
				continue
			}
			ll := l.at(loc)
			if !ll.closed {
				ll.closed = true
				close(ll.retired)
			}
			for wk := range ll.wakers {
				wake = append(wake, wk)
			}
		}
	}
	l.mu.Unlock()
	for _, wk := range wake {
		wk.Wake()
	}
	return len(wake)
}

// Live is the number of subscribers connected through this handler.
func (h *Handler) Live() int {
	l := &h.live
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ll := range l.locs {
		n += len(ll.wakers)
	}
	return n
}
