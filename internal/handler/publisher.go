package handler

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/router"
)

const (
	allowNormal = "GET, POST, PUT"
	allowAdmin  = "GET, POST, PUT, DELETE"
)

// publisher serves push_stream_publisher locations (publisher.md).
func (h *Handler) publisher(w *httpd.Response, r *http.Request, rt *router.Route) {
	admin := rt.Location.PublisherAdmin
	allow := allowNormal
	if admin {
		allow = allowAdmin
	}
	// The body limit is checked before anything else, as nginx does. A
	// chunked body's size is only known once read: read it first, so that
	// its 413 too comes before any channel exists (publisher.md §1).
	limit := rt.Settings.ClientMaxBodySize
	if limit > 0 && r.ContentLength > limit {
		w.WriteTooLarge()
		return
	}
	var body []byte
	bodyRead := false
	if limit > 0 && r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		if !h.readPublishBody(w, r, limit, &body) {
			return
		}
		bodyRead = true
	}
	noCache(w)
	cors(w, rt, allow)
	switch {
	case r.Method == http.MethodOptions:
		_ = w.WriteHeaderOnly(200)
		return
	case r.Method == http.MethodGet, r.Method == http.MethodPost, r.Method == http.MethodPut,
		r.Method == http.MethodDelete && admin:
	default:
		w.SetHeader("Allow", allow)
		_ = w.WriteHeaderOnly(405)
		return
	}
	path := channelsPath(rt)
	if path == "" {
		explain(w, 400, explainNoID)
		return
	}
	refs := router.ParseChannelsPath(path)
	if !h.authorize(w, r, rt, publisherAction(r.Method), refIDs(refs)) {
		return
	}
	writing := r.Method != http.MethodGet
	ids := make([]string, 0, len(refs))
	for _, ref := range refs {
		id := ref.ID
		if reservedID(id) {
			explain(w, 403, explainNotAllowedID)
			return
		}
		if h.tooLong(id) {
			explain(w, 400, explainTooLarge)
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPut {
			if !h.Hub.IsEventsChannel(id) {
				if err := h.Hub.Ensure(id); err != nil {
					h.hubError(w, err)
					return
				}
			}
		}
		if writing && h.Hub.IsEventsChannel(id) {
			explain(w, 403, hub.ErrEventsChannel.Error())
			return
		}
		ids = append(ids, id)
	}
	if !bodyRead && !h.readPublishBody(w, r, limit, &body) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		h.channelInfo(w, r, ids)
	case http.MethodDelete:
		h.deleteChannels(w, ids, body)
	default:
		h.publish(w, r, rt, ids, body)
	}
}

// readPublishBody reads the request body into *body; on failure it answers
// (413, or the status of the read error with the connection closing) and
// reports false.
func (h *Handler) readPublishBody(w *httpd.Response, r *http.Request, limit int64, body *[]byte) bool {
	b, tooLarge, err := readBody(r, limit)
	switch {
	case tooLarge:
		w.WriteTooLarge()
		return false
	case err != nil:
		w.SetCloseAfter()
		_ = w.WriteHeaderOnly(bodyErrorStatus(err))
		return false
	}
	*body = b
	return true
}

// readBody reads the request body up to limit (0 = unlimited).
func readBody(r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	if n := r.ContentLength; n >= 0 && (limit <= 0 || n <= limit) {
		// The usual case: read into a buffer of exactly the body's size (the
		// bytes become the stored message text).
		body = make([]byte, n)
		_, err = io.ReadFull(r.Body, body)
		return body, false, err
	}
	var rd io.Reader = r.Body
	if limit > 0 {
		rd = io.LimitReader(r.Body, limit+1)
	}
	body, err = io.ReadAll(rd)
	if limit > 0 && int64(len(body)) > limit {
		return nil, true, nil
	}
	return body, false, err
}

func (h *Handler) hubError(w *httpd.Response, err error) {
	switch {
	case errors.Is(err, hub.ErrTooManyChannels), errors.Is(err, hub.ErrTooManySubscribers), errors.Is(err, hub.ErrEventsChannel):
		explain(w, 403, err.Error())
	case errors.Is(err, hub.ErrUnavailable):
		explain(w, 503, hub.ErrUnavailable.Error())
	default:
		w.SetCloseAfter()
		_ = w.WriteHeaderOnly(500)
	}
}

// arrivalWait bounds how long a publish waits for subscribers in setup.
// Subscribers settle within microseconds; the bound only matters when the
// machine is overloaded (a stalled goroutine) or a client misbehaves.
const arrivalWait = 20 * time.Millisecond

func (h *Handler) publish(w *httpd.Response, r *http.Request, rt *router.Route, ids []string, body []byte) {
	if len(body) == 0 {
		explain(w, 400, "Empty post requests are not allowed.")
		return
	}
	p := hub.Publish{Text: body, Store: rt.Settings.StoreMessages}
	// Header values share one string with the whole request head
	// (httpd/reqhead.go): clone what a stored message keeps.
	if v, ok := r.Header["Event-Id"]; ok && len(v) > 0 {
		p.EventID, p.HasEventID = strings.Clone(v[0]), true
	}
	if v, ok := r.Header["Event-Type"]; ok && len(v) > 0 {
		p.EventType, p.HasEventType = strings.Clone(v[0]), true
	}
	// A subscriber whose request arrived before this publish must get it
	// (nginx handles requests in arrival order; httpd/arrivals.go). Only
	// when the message is not stored: a stored one still reaches a client
	// that polls again with its replay point, and waiting costs throughput.
	if !p.Store {
		w.AwaitArrivals(arrivalWait)
	}
	for _, id := range ids {
		if _, err := h.Hub.Publish(id, p); err != nil {
			h.hubError(w, err)
			return
		}
	}
	if !rt.Settings.ChannelInfoOnPublish {
		_ = w.WriteHeaderOnly(200)
		return
	}
	h.channelInfo(w, r, ids)
}

// channelInfo answers with the info of the listed channels that exist:
// 404 for none, a single object for one, a group document for more.
func (h *Handler) channelInfo(w *httpd.Response, r *http.Request, ids []string) {
	var one [1]format.ChannelInfo // the usual single channel: no slice allocation
	infos := one[:0]
	for _, id := range ids {
		if ci, ok := h.Hub.Info(id); ok {
			infos = append(infos, toFormat(ci))
		}
	}
	if len(infos) == 0 {
		_ = w.WriteHeaderOnly(404)
		return
	}
	f := format.Negotiate(r.Header.Get("Accept"))
	var body []byte
	if len(infos) == 1 {
		body = format.AppendChannel(make([]byte, 0, 256), f, infos[0]) // one allocation, not one per growth
	} else {
		body = format.AppendGroup(nil, f, h.groupHead(), infos)
	}
	_ = w.WriteBody(200, f.ContentType(), body)
}

func (h *Handler) deleteChannels(w *httpd.Response, ids []string, body []byte) {
	text := body
	if len(text) == 0 {
		text = []byte(h.Config.Global.ChannelDeletedMessageText)
	}
	n, err := h.Hub.DeleteChannels(ids, text)
	if err != nil && n == 0 {
		h.hubError(w, err)
		return
	}
	if n == 0 {
		_ = w.WriteHeaderOnly(404)
		return
	}
	explain(w, 200, "Channel deleted.")
}
