package handler

import (
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/format"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
	"github.com/pushstream/pushstream/internal/metrics"
	"github.com/pushstream/pushstream/internal/router"
	"github.com/pushstream/pushstream/internal/transport"
)

// Handler serves every location of one configuration.
type Handler struct {
	Hub     *hub.Hub
	Config  *config.Config
	Router  *router.Router
	Log     *slog.Logger
	Started time.Time // server start (uptime survives reloads)
	Loaded  time.Time // when this configuration started serving

	// Metrics renders push_stream_metrics locations (nil: 404); Ready
	// answers push_stream_health ready (nil: always ready). Set by the server.
	Metrics *metrics.Metrics
	Ready   func() bool

	live     liveSubs // subscribers by location, for Retire (ops.go)
	hostname string
	padding  *format.Padding
	tpls     sync.Map // *config.Settings -> *transport.Templates
	auths    sync.Map // *config.Settings -> authEntry (auth.go)
}

// New builds the handler of cfg.
func New(h *hub.Hub, cfg *config.Config, log *slog.Logger, started time.Time) *Handler {
	host, _ := os.Hostname()
	var pad *format.Padding
	if cfg.Global.PaddingMax > 0 {
		pad = format.NewPadding(cfg.Global.PaddingMax)
	}
	return &Handler{
		Hub:      h,
		Config:   cfg,
		Router:   router.New(cfg),
		Log:      log,
		Started:  started,
		Loaded:   time.Now(),
		hostname: strings.ToLower(host),
		padding:  pad,
	}
}

// templates returns the compiled templates of an effective settings block.
func (h *Handler) templates(s *config.Settings) *transport.Templates {
	if t, ok := h.tpls.Load(s); ok {
		return t.(*transport.Templates)
	}
	t, _ := h.tpls.LoadOrStore(s, transport.NewTemplates(s, h.Config.Global.PingMessageText))
	return t.(*transport.Templates)
}

// ServeHTTP1 routes a request to its location's handler.
func (h *Handler) ServeHTTP1(w *httpd.Response, r *http.Request) {
	rt, err := h.Router.Route(w.LocalAddr(), r)
	if err != nil {
		_ = w.WriteHeaderOnly(400)
		return
	}
	if rt.Location == nil {
		if !serveAsset(w, r) {
			_ = w.WriteHeaderOnly(404)
		}
		return
	}
	w.SetGzip(gzipPolicy(rt.Settings))
	if rt.Location.Handler != config.HandlerSubscriber {
		// Only a subscriber being set up is worth a publisher's wait
		// (httpd/arrivals.go); a slow publish body must not delay others.
		w.Settle()
	}
	switch rt.Location.Handler {
	case config.HandlerPublisher:
		h.publisher(w, r, rt)
	case config.HandlerSubscriber:
		h.subscriber(w, r, rt)
	case config.HandlerStatistics:
		h.statistics(w, r, rt)
	case config.HandlerMetrics, config.HandlerHealthLive, config.HandlerHealthReady:
		h.ops(w, r, rt)
	default:
		ret := rt.Location.Return
		if rt.If != nil && rt.If.Return != nil {
			ret = rt.If.Return
		}
		if ret != nil {
			if ret.Text != "" {
				_ = w.WriteBody(ret.Code, rt.Settings.DefaultType, []byte(ret.Text))
			} else {
				_ = w.WriteHeaderOnly(ret.Code)
			}
			return
		}
		if !serveAsset(w, r) {
			_ = w.WriteHeaderOnly(404)
		}
	}
}

func gzipPolicy(s *config.Settings) httpd.GzipPolicy {
	g := s.Gzip
	return httpd.GzipPolicy{
		Enabled:     g.On,
		Types:       g.Types,
		MinLength:   g.MinLength,
		AllowHTTP10: g.HTTPVersion == "1.0",
		Level:       g.CompLevel,
		Vary:        g.Vary,
	}
}

// Header values every publisher, statistics and subscriber answer carries
// (spec README §3).
const (
	expiresValue      = "Thu, 01 Jan 1970 00:00:01 GMT"
	cacheControlValue = "no-cache, no-store, must-revalidate"
	explainHeader     = "X-Nginx-PushStream-Explain"
	corsHeaders       = "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id"
)

func noCache(w *httpd.Response) {
	w.SetHeader("Expires", expiresValue)
	w.SetHeader("Cache-Control", cacheControlValue)
}

// explain answers header-only with the reason in X-Nginx-PushStream-Explain.
func explain(w *httpd.Response, code int, why string) {
	w.SetHeader(explainHeader, why)
	_ = w.WriteHeaderOnly(code)
}

// cors adds the Access-Control-* headers when allowed_origins evaluates
// to a non-empty value.
func cors(w *httpd.Response, rt *router.Route, methods string) {
	if rt.Settings.AllowedOrigins == nil {
		return
	}
	v := router.Decode(rt.Settings.AllowedOrigins.Eval(rt.Vars))
	if v == "" {
		return
	}
	w.SetHeader("Access-Control-Allow-Origin", v)
	w.SetHeader("Access-Control-Allow-Methods", methods)
	w.SetHeader("Access-Control-Allow-Headers", corsHeaders)
}

// channelsPath evaluates and decodes the location's channels path.
func channelsPath(rt *router.Route) string {
	if rt.Settings.ChannelsPath == nil {
		return ""
	}
	return router.Decode(rt.Settings.ChannelsPath.Eval(rt.Vars))
}

// reservedID reports ids no publisher or subscriber may use (ALL, or any '*').
func reservedID(id string) bool {
	return id == "ALL" || strings.Contains(id, "*")
}

func (h *Handler) tooLong(id string) bool {
	max := h.Config.Global.MaxChannelIDLength
	return max > 0 && len(id) > max
}

const (
	explainNoID         = "No channel id provided."
	explainNotAllowedID = "Channel id not authorized for this method."
	explainTooLarge     = "Channel id is too large."
)
