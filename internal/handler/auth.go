package handler

import (
	"net/http"
	"time"

	"github.com/pushstream/pushstream/internal/auth"
	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/router"
)

const explainTooManyChannels = "Too many channels in one request."

// authEntry is the cached authenticator of one effective settings block.
type authEntry struct {
	a   *auth.Authenticator // nil: the location is open
	err error
}

// authenticator returns the authenticator of s, built once.
func (h *Handler) authenticator(s *config.Settings) authEntry {
	if e, ok := h.auths.Load(s); ok {
		return e.(authEntry)
	}
	a, err := auth.New(&s.Auth)
	e, _ := h.auths.LoadOrStore(s, authEntry{a: a, err: err})
	return e.(authEntry)
}

// authorize applies push_stream_max_channels_per_request and the location's
// authentication to action on ids; on refusal it answers and reports false.
func (h *Handler) authorize(w *httpd.Response, r *http.Request, rt *router.Route, action auth.Action, ids []string) bool {
	_, ok := h.identify(w, r, rt, action, ids)
	return ok
}

// identify is authorize that also returns the identity (nil when the
// location has no authentication).
func (h *Handler) identify(w *httpd.Response, r *http.Request, rt *router.Route, action auth.Action, ids []string) (*auth.Identity, bool) {
	id, d := h.check(r, rt, action, ids)
	if d == nil {
		return id, true
	}
	if len(d.Challenges) > 0 {
		for _, c := range d.Challenges {
			w.AddHeader("WWW-Authenticate", c)
		}
	}
	explain(w, d.Status, d.Explain)
	return nil, false
}

// check is authorize without the answer: the identity (nil when the
// location has no authentication) or the denial.
func (h *Handler) check(r *http.Request, rt *router.Route, action auth.Action, ids []string) (*auth.Identity, *auth.Denial) {
	if max := rt.Settings.MaxChannelsPerRequest; max > 0 && len(ids) > max {
		return nil, &auth.Denial{Status: 400, Explain: explainTooManyChannels}
	}
	e := h.authenticator(rt.Settings)
	if e.err != nil {
		h.Log.Error("authentication misconfigured", "error", e.err)
		return nil, &auth.Denial{Status: 500, Explain: "Internal server error"}
	}
	if e.a == nil {
		return nil, nil
	}
	return e.a.Authorize(r.Context(), auth.Request{
		HTTP:          r,
		Token:         authToken(r, rt),
		Action:        action,
		Channels:      ids,
		EventsChannel: h.Config.Global.EventsChannelID,
	})
}

// authToken finds the request's token: push_stream_auth_jwt_token when
// set, else the Bearer credentials, else the `token` query argument.
func authToken(r *http.Request, rt *router.Route) string {
	if c := rt.Settings.Auth.JWTToken; c != nil {
		return router.Decode(c.Eval(rt.Vars))
	}
	if t := auth.BearerToken(r.Header.Get("Authorization")); t != "" {
		return t
	}
	return router.Decode(rt.Vars.Var("arg_token"))
}

// publisherAction maps a publisher method to its action.
func publisherAction(method string) auth.Action {
	switch method {
	case http.MethodGet:
		return auth.Read
	case http.MethodDelete:
		return auth.Delete
	}
	return auth.Publish
}

// refIDs lists the ids of a channels path.
func refIDs(refs []router.ChannelRef) []string {
	ids := make([]string, len(refs))
	for i, ref := range refs {
		ids[i] = ref.ID
	}
	return ids
}

// bodyErrorStatus is the answer to a request body that could not be read:
// 408 when it stopped arriving (client_body_timeout), else 400.
func bodyErrorStatus(err error) int {
	if httpd.IsTimeout(err) {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// ConnLimits maps the connection guards of cfg onto the wire layer. The
// values come from the first server block (http-level values reach it by
// inheritance); the caps are http-level.
func ConnLimits(cfg *config.Config) httpd.Limits {
	l := httpd.Limits{
		MaxConns:       cfg.Global.MaxConnections,
		MaxConnsPerIP:  cfg.Global.MaxConnectionsPerIP,
		HeaderTimeout:  config.DefaultClientTimeout,
		BodyTimeout:    config.DefaultClientTimeout,
		SendTimeout:    config.DefaultClientTimeout,
		MaxHeaderBytes: config.DefaultLargeBuffersNum * config.DefaultLargeBuffersSize,
		MaxLineBytes:   config.DefaultLargeBuffersSize,
	}
	if len(cfg.Servers) == 0 || cfg.Servers[0].Settings == nil {
		return l
	}
	s := cfg.Servers[0].Settings
	for _, v := range []struct {
		dst *time.Duration
		src time.Duration
	}{{&l.HeaderTimeout, s.ClientHeaderTimeout}, {&l.BodyTimeout, s.ClientBodyTimeout}, {&l.SendTimeout, s.SendTimeout}} {
		if v.src > 0 {
			*v.dst = v.src
		}
	}
	if b := s.LargeHeaderBuffers; b.Num > 0 {
		l.MaxLineBytes = b.Size
		l.MaxHeaderBytes = b.Num * b.Size
	}
	l.MaxHeaderBytes = max(l.MaxHeaderBytes, s.ClientHeaderBufferSize)
	return l
}
