package handler

import (
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pushstream/pushstream/internal/auth"
	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/router"
)

// Values of the original module's build, sent on every statistics answer.
const (
	moduleTag    = "0.5.5"
	moduleCommit = "3bc016f811d50374251960db091557571dfd7393"
)

// statistics serves push_stream_channels_statistics locations (statistics.md).
func (h *Handler) statistics(w *httpd.Response, r *http.Request, rt *router.Route) {
	noCache(w)
	if r.Method != http.MethodGet {
		w.SetHeader("Allow", "GET")
		_ = w.WriteHeaderOnly(405)
		return
	}
	if !h.authorize(w, r, rt, auth.Stats, nil) {
		return
	}
	w.SetHeader("X-Nginx-PushStream-Tag", moduleTag)
	w.SetHeader("X-Nginx-PushStream-Commit", moduleCommit)
	f := format.Negotiate(r.Header.Get("Accept"))
	path := channelsPath(rt)
	if path == "" {
		_ = w.WriteBody(200, f.ContentType(), format.AppendSummary(nil, f, h.summary()))
		return
	}
	var infos []format.ChannelInfo
	for _, ref := range router.ParseChannelsPath(path) {
		id := ref.ID
		if h.tooLong(id) {
			explain(w, 400, explainTooLarge)
			return
		}
		if i := strings.IndexByte(id, '*'); i >= 0 {
			h.listing(w, f, id[:i])
			return
		}
		if id == "ALL" {
			h.listing(w, f, "")
			return
		}
		if ci, ok := h.Hub.Info(id); ok {
			infos = append(infos, toFormat(ci))
		}
	}
	switch len(infos) {
	case 0:
		_ = w.WriteHeaderOnly(404)
	case 1:
		_ = w.WriteBody(200, f.ContentType(), format.AppendChannel(nil, f, infos[0]))
	default:
		_ = w.WriteBody(200, f.ContentType(), format.AppendGroup(nil, f, h.groupHead(), infos))
	}
}

// listing answers a group document of every active channel with prefix.
func (h *Handler) listing(w *httpd.Response, f format.DocFormat, prefix string) {
	list := h.Hub.List(prefix)
	infos := make([]format.ChannelInfo, len(list))
	for i, ci := range list {
		infos[i] = toFormat(ci)
	}
	_ = w.WriteBody(200, f.ContentType(), format.AppendGroup(make([]byte, 0, 128+100*len(infos)), f, h.groupHead(), infos))
}

func toFormat(ci hub.ChannelInfo) format.ChannelInfo {
	return format.ChannelInfo{ID: ci.ID, Published: ci.Published, Stored: ci.Stored, Subscribers: ci.Subscribers}
}

func (h *Handler) groupHead() format.GroupHead {
	ch, wc := h.Hub.Counts()
	return format.GroupHead{
		Hostname:         h.hostname,
		Time:             format.StatsTime(time.Now()),
		Channels:         ch,
		WildcardChannels: wc,
		Uptime:           int64(time.Since(h.Started) / time.Second),
	}
}

func (h *Handler) summary() format.Summary {
	s := h.Hub.Summary()
	return format.Summary{
		Hostname:          h.hostname,
		Time:              format.StatsTime(time.Now()),
		Channels:          s.Channels,
		WildcardChannels:  s.WildcardChannels,
		PublishedMessages: s.Published,
		StoredMessages:    s.Stored,
		MessagesInTrash:   s.MessagesInTrash,
		ChannelsInDelete:  s.ChannelsInDelete,
		ChannelsInTrash:   s.ChannelsInTrash,
		Subscribers:       s.Subscribers,
		Uptime:            int64(time.Since(h.Started) / time.Second),
		Workers: []format.Worker{{
			Pid:         int64(os.Getpid()),
			Subscribers: s.LocalSubscribers,
			Uptime:      int64(time.Since(h.Loaded) / time.Second),
		}},
	}
}
