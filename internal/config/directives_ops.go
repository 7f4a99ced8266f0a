package config

import (
	"fmt"
	"strings"
)

// Operations directives: TLS, metrics and health locations, log format and
// the access log. They live in their own table so the core table stays the
// push_stream contract; withOpsDirectives adds them to it.

// Handler kinds of the operations locations.
const (
	HandlerMetrics     HandlerKind = iota + 100 // push_stream_metrics: Prometheus text format
	HandlerHealthLive                           // push_stream_health live: 200 while the process runs
	HandlerHealthReady                          // push_stream_health ready: 200 while listening and not stopping
)

func opsDirectives() []*directive {
	return []*directive{
		{name: "ssl_certificate", ctx: ctxHTTP | ctxServer, min: 1, max: 1, kind: kSetting, def: "unset", parse: pString,
			apply: func(s *Settings, v any) { s.SSLCertificate = v.(string) }},
		{name: "ssl_certificate_key", ctx: ctxHTTP | ctxServer, min: 1, max: 1, kind: kSetting, def: "unset", parse: pString,
			apply: func(s *Settings, v any) { s.SSLCertificateKey = v.(string) }},
		{name: "ssl_protocols", ctx: ctxHTTP | ctxServer, min: 1, max: -1, kind: kSetting, def: "TLSv1.2 TLSv1.3", parse: pSSLProtocols,
			apply: func(s *Settings, v any) { s.SSLProtocols = v.([]string) }},
		{name: "access_log", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "off", parse: pAccessLog,
			apply: func(s *Settings, v any) { s.AccessLog = v.(string) }},
		{name: "push_stream_log_format", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "text", parse: pLogFormat,
			global: func(g *Global, v any) { g.LogFormat = v.(string) }},
		{name: "push_stream_metrics", ctx: ctxLoc, min: 0, max: 0, kind: kHandler, key: "handler",
			parse: func(*directive, *node, readFunc) (any, error) { return handlerVal{kind: HandlerMetrics}, nil }},
		{name: "push_stream_health", ctx: ctxLoc, min: 0, max: 1, kind: kHandler, key: "handler", def: "live", parse: pHealth},
	}
}

// withOpsDirectives appends the operations rows to t, replacing the rows of
// the same names that t only accepted and ignored (access_log).
func withOpsDirectives(t []*directive) []*directive {
	ops := opsDirectives()
	names := make(map[string]bool, len(ops))
	for _, d := range ops {
		names[d.name] = true
	}
	out := t[:0]
	for _, d := range t {
		if !names[d.name] {
			out = append(out, d)
		}
	}
	return append(out, ops...)
}

func pSSLProtocols(d *directive, n *node, _ readFunc) (any, error) {
	var out []string
	for _, a := range n.argStrings() {
		switch a {
		case "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3":
			out = append(out, a)
		case "SSLv2", "SSLv3":
			// Accepted for old configs; Go never speaks them.
		default:
			return nil, fmt.Errorf("invalid value %q in %q directive", a, d.name)
		}
	}
	return out, nil
}

// pAccessLog keeps the path ("off" when disabled); a log_format name and
// buffer/gzip parameters are accepted and ignored: the line format is fixed.
func pAccessLog(_ *directive, n *node, _ readFunc) (any, error) {
	p := n.args[0].text
	if p == "" {
		return nil, fmt.Errorf("invalid value \"\" in \"access_log\" directive")
	}
	return p, nil
}

func pLogFormat(d *directive, n *node, _ readFunc) (any, error) {
	switch v := strings.ToLower(n.args[0].text); v {
	case "text", "json":
		return v, nil
	}
	return nil, invalidValue(d)
}

func pHealth(d *directive, n *node, _ readFunc) (any, error) {
	if len(n.args) == 0 {
		return handlerVal{kind: HandlerHealthLive}, nil
	}
	switch n.args[0].text {
	case "live", "":
		return handlerVal{kind: HandlerHealthLive}, nil
	case "ready":
		return handlerVal{kind: HandlerHealthReady}, nil
	}
	return nil, invalidValue(d)
}

// markSSL records the listen addresses written with the `ssl` and `http2`
// flags.
func markSSL(srv *Server, l Listen, args []string) {
	for _, f := range args[1:] {
		switch f {
		case "ssl":
			if srv.SSL == nil {
				srv.SSL = map[string]bool{}
			}
			srv.SSL[l.Addr] = true
		case "http2":
			if srv.HTTP2 == nil {
				srv.HTTP2 = map[string]bool{}
			}
			srv.HTTP2[l.Addr] = true
		}
	}
}

// isOpsHandler reports the handlers that need no push_stream settings (no
// channels path, no templates).
func isOpsHandler(k HandlerKind) bool {
	return k == HandlerMetrics || k == HandlerHealthLive || k == HandlerHealthReady
}
