package handler

import (
	"net/http"
	"time"

	"github.com/pushstream/pushstream/internal/auth"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/router"
	"github.com/pushstream/pushstream/internal/transport"
	"github.com/pushstream/pushstream/internal/wsframe"
)

// websocket serves a websocket subscriber location (subscriber.md §8).
func (h *Handler) websocket(w *httpd.Response, r *http.Request, rt *router.Route) {
	if r.Method != http.MethodGet {
		w.SetHeader("Allow", "GET")
		_ = w.WriteHeaderOnly(405)
		return
	}
	noCache(w)
	accept, herr := wsframe.Handshake(r)
	if herr != nil {
		for k, v := range herr.Header {
			if len(v) > 0 {
				w.SetHeader(k, v[0])
			}
		}
		explain(w, herr.Status, herr.Explain)
		return
	}
	c, err := w.Hijack()
	if err != nil {
		return
	}
	// The 101 goes out before the channels are checked; later refusals
	// become a close frame (spec quirk 12).
	if err := wsframe.Write101(c, accept); err != nil {
		c.Close()
		return
	}
	path := channelsPath(rt)
	if path == "" {
		c.Close()
		return
	}
	ids := refIDs(router.ParseChannelsPath(path))
	id, den := h.check(r, rt, auth.Subscribe, ids)
	if den != nil {
		_, _ = c.Write(wsframe.CloseFrame(den.Status, den.Explain))
		c.Close()
		return
	}
	wants, ref := h.checkChannels(rt, path)
	if ref != nil {
		status, why := ref.status, ref.explain
		if status == 500 {
			why = "Internal server error"
		}
		_, _ = c.Write(wsframe.CloseFrame(status, why))
		c.Close()
		return
	}
	s := rt.Settings
	retired, untrack := h.track(rt.Location, rt.Location.Mode, c.Waker())
	c.OnDone(untrack) // the subscriber may outlive this call (httpd.Conn.Run)
	ws := &transport.WebSocket{
		C:            c,
		Hub:          h.Hub,
		Wants:        wants,
		Point:        replayPoint(r, rt),
		T:            h.templates(s),
		Ping:         s.PingMessageInterval,
		TTL:          id.Bound(s.SubscriberConnectionTTL, time.Now()),
		AllowPublish: s.WebsocketAllowPublish && auth.CanPublishAll(id, ids, h.Config.Global.EventsChannelID),
		Store:        s.StoreMessages,
		Retired:      retired,
	}
	serve(ws)
}
