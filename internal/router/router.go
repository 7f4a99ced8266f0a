package router

import (
	"net"
	"net/http"
	"regexp"
	"strings"

	"github.com/pushstream/pushstream/internal/config"
)

// Router selects servers and locations for one loaded Config. It is
// immutable and safe for concurrent use; a reload builds a new one.
type Router struct {
	cfg     *config.Config
	servers []serverEntry
}

type serverEntry struct {
	srv     *config.Server
	listens []listenAddr
	regexps []*regexp.Regexp // server_name ~regex entries
}

type listenAddr struct {
	host      string // "" for a wildcard address
	port      string
	isDefault bool
}

// Route is the outcome of routing one request.
type Route struct {
	Server   *config.Server
	Location *config.Location // nil when no location matches (404)
	// Settings are the effective settings: the location's, or those of the
	// last `if` block whose condition held; the server's merged settings
	// when no location matches (nil only when there is no server at all).
	Settings *config.Settings
	// If is the `if` block that supplied Settings (nil = none).
	If   *config.If
	Vars *Vars
	vars Vars // what Vars points to: one allocation for both
}

// New prepares a router for cfg.
func New(cfg *config.Config) *Router {
	r := &Router{cfg: cfg}
	for _, s := range cfg.Servers {
		e := serverEntry{srv: s}
		for _, l := range s.Listens {
			h, p := splitHostPort(l.Addr)
			if isWildcardHost(h) {
				h = ""
			}
			e.listens = append(e.listens, listenAddr{host: h, port: p, isDefault: l.DefaultServer})
		}
		for _, n := range s.ServerNames {
			if strings.HasPrefix(n, "~") {
				if re, err := regexp.Compile(n[1:]); err == nil {
					e.regexps = append(e.regexps, re)
				}
			}
		}
		r.servers = append(r.servers, e)
	}
	return r
}

// Config returns the configuration the router was built from.
func (r *Router) Config() *config.Config { return r.cfg }

func isWildcardHost(h string) bool {
	return h == "" || h == "*" || h == "0.0.0.0" || h == "::"
}

// Route picks the server among those listening on localAddr (the local
// address of the connection, or a config.Listen.Addr), the location for
// the normalised path, and applies the location's `if` blocks. A bad URI
// gives ErrBadRequest.
func (r *Router) Route(localAddr string, req *http.Request) (*Route, error) {
	rawPath, rawQuery := splitRequestURI(req)
	uri, err := normalizePath(rawPath)
	if err != nil {
		return nil, err
	}
	srv := r.pickServer(localAddr, hostOnly(req.Host))
	rt := &Route{Server: srv}
	rt.vars = Vars{req: req, uri: uri, rawQuery: rawQuery, localAddr: localAddr}
	v := &rt.vars
	rt.Vars = v
	if srv == nil {
		return rt, nil
	}
	if len(srv.ServerNames) > 0 {
		v.serverName = srv.ServerNames[0]
	}
	rt.Settings = srv.Settings
	loc, caps := matchLocation(srv.Locations, uri)
	if loc == nil {
		return rt, nil
	}
	v.SetCaptures(caps)
	rt.Location, rt.Settings = loc, loc.Settings
	for _, ifb := range loc.Ifs {
		ok, c := ifb.Cond.Eval(v)
		if c != nil {
			v.SetCaptures(c)
		}
		if ok {
			rt.If, rt.Settings = ifb, ifb.Settings
		}
	}
	return rt, nil
}

// pickServer chooses among the servers bound to localAddr: exact
// server_name, then wildcard names, then regex names, then the
// default_server, then the first.
func (r *Router) pickServer(localAddr, host string) *config.Server {
	if len(r.servers) == 1 {
		return r.servers[0].srv // whatever the socket and name, the only one
	}
	lh, lp := splitHostPort(localAddr)
	if isWildcardHost(lh) {
		lh = ""
	}
	type cand struct {
		e   *serverEntry
		def bool
	}
	var specific, wildcard []cand
	for i := range r.servers {
		e := &r.servers[i]
		var spec, wild *cand
		for _, l := range e.listens {
			switch {
			case l.port != lp:
			case l.host != "" && lh != "" && sameHost(l.host, lh):
				if spec == nil {
					spec = &cand{e, false}
				}
				spec.def = spec.def || l.isDefault
			case l.host == "":
				if wild == nil {
					wild = &cand{e, false}
				}
				wild.def = wild.def || l.isDefault
			}
		}
		if spec != nil {
			specific = append(specific, *spec)
		}
		if wild != nil {
			wildcard = append(wildcard, *wild)
		}
	}
	group := specific
	if len(group) == 0 {
		group = wildcard
	}
	if len(group) == 0 {
		// Unknown socket (tests, embedding): consider every server.
		for i := range r.servers {
			e := &r.servers[i]
			def := false
			for _, l := range e.listens {
				def = def || l.isDefault
			}
			group = append(group, cand{e, def})
		}
	}
	if len(group) == 0 {
		return nil
	}
	if host != "" {
		for _, c := range group {
			for _, n := range c.e.srv.ServerNames {
				if n == host {
					return c.e.srv
				}
			}
		}
		for _, c := range group {
			for _, n := range c.e.srv.ServerNames {
				if wildcardName(n, host) {
					return c.e.srv
				}
			}
		}
		for _, c := range group {
			for _, re := range c.e.regexps {
				if re.MatchString(host) {
					return c.e.srv
				}
			}
		}
	}
	for _, c := range group {
		if c.def {
			return c.e.srv
		}
	}
	return group[0].e.srv
}

func sameHost(a, b string) bool {
	if a == b {
		return true
	}
	ia, ib := net.ParseIP(a), net.ParseIP(b)
	if ia != nil && ib != nil {
		return ia.Equal(ib)
	}
	if a == "localhost" && ib != nil {
		return ib.IsLoopback()
	}
	return false
}

// wildcardName matches "*.example.com", ".example.com" and "www.example.*".
func wildcardName(pattern, host string) bool {
	switch {
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	case strings.HasPrefix(pattern, "."):
		return host == pattern[1:] || strings.HasSuffix(host, pattern)
	case strings.HasSuffix(pattern, ".*"):
		return strings.HasPrefix(host, pattern[:len(pattern)-1])
	}
	return false
}

// matchLocation implements config.md §4 on a normalised path.
func matchLocation(locs []*config.Location, uri string) (*config.Location, []string) {
	var prefix *config.Location
	for _, l := range locs {
		switch l.Match {
		case config.MatchExact:
			if l.Pattern == uri {
				return l, nil
			}
		case config.MatchPrefix, config.MatchPrefixNoRegex:
			if strings.HasPrefix(uri, l.Pattern) && (prefix == nil || len(l.Pattern) > len(prefix.Pattern)) {
				prefix = l
			}
		}
	}
	if prefix != nil && prefix.Match == config.MatchPrefixNoRegex {
		return prefix, nil
	}
	for _, l := range locs {
		if l.Regexp == nil {
			continue
		}
		if m := l.Regexp.FindStringSubmatchIndex(uri); m != nil {
			caps := make([]string, len(m)/2)
			for i := range caps {
				if m[2*i] >= 0 {
					caps[i] = uri[m[2*i]:m[2*i+1]]
				}
			}
			return l, caps
		}
	}
	return prefix, nil
}
