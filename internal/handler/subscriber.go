package handler

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/pushstream/pushstream/internal/auth"
	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/router"
	"github.com/pushstream/pushstream/internal/transport"
)

// refusal is a prelude failure: an HTTP status and its explain text.
type refusal struct {
	status  int
	explain string
}

// subscriber serves push_stream_subscriber locations (subscriber.md §1).
func (h *Handler) subscriber(w *httpd.Response, r *http.Request, rt *router.Route) {
	if rt.Location.Mode == config.ModeWebSocket {
		h.websocket(w, r, rt)
		return
	}
	cors(w, rt, "GET")
	if r.Method == http.MethodOptions {
		_ = w.WriteHeaderOnly(200)
		return
	}
	noCache(w)
	if r.Method != http.MethodGet {
		w.SetHeader("Allow", "GET")
		_ = w.WriteHeaderOnly(405)
		return
	}
	path := channelsPath(rt)
	if path == "" {
		explain(w, 400, explainNoID)
		return
	}
	id, ok := h.identify(w, r, rt, auth.Subscribe, refIDs(router.ParseChannelsPath(path)))
	if !ok {
		return
	}
	wants, ref := h.checkChannels(rt, path)
	if ref != nil {
		if ref.status == 500 {
			w.SetCloseAfter()
			_ = w.WriteHeaderOnly(500)
			return
		}
		explain(w, ref.status, ref.explain)
		return
	}
	point := replayPoint(r, rt)
	mode := subscriberMode(rt.Location.Mode, r.Header.Get("X-Nginx-PushStream-Mode"))
	s := rt.Settings
	t := h.templates(s)
	retired, untrack := h.track(rt.Location, mode, w.Waker())
	w.OnDone(untrack) // the subscriber may outlive this call (httpd.Response.Run)
	switch mode {
	case config.ModePolling, config.ModeLongPolling:
		p := &transport.Poll{
			W:               w,
			Hub:             h.Hub,
			Wants:           wants,
			Point:           point,
			T:               t,
			Long:            mode == config.ModeLongPolling,
			ContentType:     router.ContentTypeFor(s, rt.Vars.Var("uri")),
			Callback:        router.Decode(rt.Vars.Var("arg_callback")),
			TTL:             id.Bound(s.LongpollingConnTTL, time.Now()),
			TimeoutWithBody: h.Config.Global.TimeoutWithBody,
			Retired:         retired,
		}
		serve(p)
	default:
		st := &transport.Stream{
			W:           w,
			Hub:         h.Hub,
			Wants:       wants,
			Point:       point,
			T:           t,
			EventSource: mode == config.ModeEventSource,
			ContentType: router.ContentTypeFor(s, rt.Vars.Var("uri")),
			Ping:        s.PingMessageInterval,
			TTL:         id.Bound(s.SubscriberConnectionTTL, time.Now()), // a token ends the stream when it expires
			Retired:     retired,
		}
		if st.EventSource {
			st.ContentType = "text/event-stream; charset=utf-8"
		}
		h.padFor(st, r, rt)
		serve(st)
	}
}

// subscriberMode is subscriber.md §1 step 9: polling when the location or
// the mode header says so, then long-polling likewise, else the location's
// mode. A polling location stays polling whatever the header asks.
func subscriberMode(location config.SubscriberMode, header string) config.SubscriberMode {
	header = strings.ToLower(header)
	switch {
	case location == config.ModePolling || header == "polling":
		return config.ModePolling
	case location == config.ModeLongPolling || header == "long-polling":
		return config.ModeLongPolling
	}
	return location
}

// padFor chooses the padding rule by user agent (subscriber.md §9).
func (h *Handler) padFor(st *transport.Stream, r *http.Request, rt *router.Route) {
	rules := rt.Settings.PaddingByUserAgent
	if h.padding == nil || len(rules) == 0 {
		return
	}
	ua := r.Header.Get("User-Agent")
	if rt.Settings.UserAgent != nil {
		ua = router.Decode(rt.Settings.UserAgent.Eval(rt.Vars))
	}
	rule := format.MatchPaddingRule(rules, ua)
	if rule == nil {
		return
	}
	st.Padding, st.HeaderPad, st.MessagePad = h.padding, rule.Header, rule.Message
}

// checkChannels runs prelude steps 6–8: per-id checks, the wildcard quota
// and the creation of missing channels.
func (h *Handler) checkChannels(rt *router.Route, path string) ([]hub.Want, *refusal) {
	refs := router.ParseChannelsPath(path)
	s := rt.Settings
	g := &h.Config.Global
	wants := make([]hub.Want, 0, len(refs))
	wild := 0
	for _, ref := range refs {
		id := ref.ID
		if reservedID(id) {
			return nil, &refusal{403, explainNotAllowedID}
		}
		if h.tooLong(id) {
			return nil, &refusal{400, explainTooLarge}
		}
		isWild := h.Hub.IsWildcard(id)
		if isWild {
			wild++
		}
		info, exists := h.Hub.Info(id)
		if s.AuthorizedChannelsOnly && !isWild && (!exists || info.Stored == 0) {
			return nil, &refusal{403, "Subscriber could not create channels."}
		}
		if g.MaxSubscribersPerChannel > 0 && exists && info.Subscribers >= int64(g.MaxSubscribersPerChannel) {
			return nil, &refusal{403, hub.ErrTooManySubscribers.Error()}
		}
		if h.Hub.IsEventsChannel(id) && !s.AllowConnectionsToEventsChannel {
			return nil, &refusal{403, "Subscription to events channel is not allowed."}
		}
		wants = append(wants, hub.Want{ID: id, Backtrack: ref.Backtrack})
	}
	if max := s.WildcardChannelMaxQtd; max > 0 && wild > 0 && (wild > max || wild == len(refs)) {
		return nil, &refusal{403, "Subscribed too much wildcard channels."}
	}
	for _, want := range wants {
		if err := h.Hub.Ensure(want.ID); err != nil {
			if errors.Is(err, hub.ErrTooManyChannels) {
				return nil, &refusal{403, err.Error()}
			}
			if errors.Is(err, hub.ErrUnavailable) {
				return nil, &refusal{503, hub.ErrUnavailable.Error()}
			}
			return nil, &refusal{500, ""}
		}
	}
	return wants, nil
}

// replayPoint reads the control values of subscriber.md §2.
func replayPoint(r *http.Request, rt *router.Route) hub.ReplayPoint {
	s := rt.Settings
	p := hub.NoReplayPoint
	timeValue := r.Header.Get("If-Modified-Since")
	if s.LastReceivedMessageTime != nil {
		timeValue = router.Decode(s.LastReceivedMessageTime.Eval(rt.Vars))
	}
	if t, ok := format.ParseHTTPDate(timeValue); ok {
		p.Time = t
	}
	tagValue := ""
	if s.LastReceivedMessageTag != nil {
		tagValue = router.Decode(s.LastReceivedMessageTag.Eval(rt.Vars))
	}
	if tagValue == "" {
		tagValue = r.Header.Get("If-None-Match")
	}
	p.Tag = format.ParseTag(tagValue)
	if s.LastEventID != nil {
		if v := router.Decode(s.LastEventID.Eval(rt.Vars)); v != "" {
			p.EventID, p.HasEventID = v, true
			return p
		}
	}
	if v, ok := r.Header["Last-Event-Id"]; ok && len(v) > 0 {
		// A clone: the value shares one string with the whole request head
		// (httpd/reqhead.go), which a long-lived subscriber must not keep.
		p.EventID, p.HasEventID = strings.Clone(v[0]), true
	}
	return p
}

// serve starts a subscriber session; it may return while the session goes
// on without a goroutine (httpd.Response.Run).
func serve(s interface{ Serve() }) { s.Serve() }
