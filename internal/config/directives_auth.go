package config

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Auth holds the authentication directives of one effective settings block
// (push_stream_auth_*). The zero value means "no authentication", which is
// what the nginx module does.
type Auth struct {
	Tokens      []string          // push_stream_auth_token: bearer secrets (publish, statistics)
	AdminTokens []string          // push_stream_auth_admin_token: bearer secrets that may also DELETE
	Basic       []BasicCredential // push_stream_auth_basic
	BasicAdmin  []BasicCredential // push_stream_auth_basic_admin
	Realm       string            // push_stream_auth_realm ("" = "pushstream")

	JWT         *JWTKey  // push_stream_auth_jwt (nil = off)
	JWTToken    *Complex // push_stream_auth_jwt_token (nil = Bearer header, then $arg_token)
	JWTIssuer   string   // push_stream_auth_jwt_issuer: required "iss" ("" = not checked)
	JWTAudience string   // push_stream_auth_jwt_audience: required in "aud" ("" = not checked)

	RequestURL      string        // push_stream_auth_request ("" = off)
	RequestTimeout  time.Duration // push_stream_auth_request_timeout (0 = 2 s)
	RequestCacheTTL time.Duration // push_stream_auth_request_cache (-1 = off, 0 = 5 s)
}

// Static reports whether a static secret (token or basic) is configured.
func (a *Auth) Static() bool {
	return len(a.Tokens)+len(a.AdminTokens)+len(a.Basic)+len(a.BasicAdmin) > 0
}

// Enabled reports whether any authentication is configured.
func (a *Auth) Enabled() bool { return a.Static() || a.JWT != nil || a.RequestURL != "" }

// BasicCredential is one user:password pair of push_stream_auth_basic.
type BasicCredential struct {
	User, Password string
}

// JWTKey is the verification key of push_stream_auth_jwt.
type JWTKey struct {
	Alg    string         // "HS256" or "RS256"
	Secret []byte         // HS256
	Public *rsa.PublicKey // RS256
}

// HeaderBuffers is large_client_header_buffers NUM SIZE.
type HeaderBuffers struct {
	Num  int
	Size int
}

// Defaults of the connection guards (nginx's).
const (
	DefaultClientTimeout    = 60 * time.Second
	DefaultHeaderBufferSize = 1024
	DefaultLargeBuffersNum  = 4
	DefaultLargeBuffersSize = 8 * 1024
	DefaultAuthRequestTTL   = 5 * time.Second
	DefaultAuthRealm        = "pushstream"
	DefaultAuthReqTimeout   = 2 * time.Second
	maxAuthRequestTimeout   = 60 * time.Second
	minHS256SecretBytes     = 16
)

// authDirectives are the rows of authentication and abuse limits.
func authDirectives() []*directive {
	return []*directive{
		{name: "push_stream_auth_token", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "unset", parse: pSecrets,
			apply: func(s *Settings, v any) { s.Auth.Tokens = v.([]string) }},
		{name: "push_stream_auth_admin_token", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "unset", parse: pSecrets,
			apply: func(s *Settings, v any) { s.Auth.AdminTokens = v.([]string) }},
		{name: "push_stream_auth_basic", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "unset", parse: pBasic,
			apply: func(s *Settings, v any) { s.Auth.Basic = v.([]BasicCredential) }},
		{name: "push_stream_auth_basic_admin", ctx: ctxHSL, min: 1, max: -1, kind: kSetting, def: "unset", parse: pBasic,
			apply: func(s *Settings, v any) { s.Auth.BasicAdmin = v.([]BasicCredential) }},
		{name: "push_stream_auth_realm", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: DefaultAuthRealm, parse: pRealm,
			apply: func(s *Settings, v any) { s.Auth.Realm = v.(string) }},
		{name: "push_stream_auth_jwt", ctx: ctxHSL, min: 2, max: 2, kind: kSetting, def: "unset", parse: pJWTKey,
			apply: func(s *Settings, v any) { s.Auth.JWT = v.(*JWTKey) }},
		{name: "push_stream_auth_jwt_token", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "Bearer header, then $arg_token", parse: pComplex,
			apply: func(s *Settings, v any) { s.Auth.JWTToken = v.(*Complex) }},
		{name: "push_stream_auth_jwt_issuer", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pClaimValue,
			apply: func(s *Settings, v any) { s.Auth.JWTIssuer = v.(string) }},
		{name: "push_stream_auth_jwt_audience", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pClaimValue,
			apply: func(s *Settings, v any) { s.Auth.JWTAudience = v.(string) }},
		{name: "push_stream_auth_request", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pAuthURL,
			apply: func(s *Settings, v any) { s.Auth.RequestURL = v.(string) }},
		{name: "push_stream_auth_request_timeout", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "2s", parse: pAuthTimeout,
			apply: func(s *Settings, v any) { s.Auth.RequestTimeout = v.(time.Duration) }},
		{name: "push_stream_auth_request_cache", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "5s", parse: pCacheTTL,
			apply: func(s *Settings, v any) { s.Auth.RequestCacheTTL = v.(time.Duration) }},
		{name: "push_stream_max_channels_per_request", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "unset", parse: pPositive,
			apply: func(s *Settings, v any) { s.MaxChannelsPerRequest = v.(int) }},

		{name: "push_stream_max_connections", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pPositive,
			global: func(g *Global, v any) { g.MaxConnections = v.(int) }},
		{name: "push_stream_max_connections_per_ip", ctx: ctxHTTP, min: 1, max: 1, kind: kGlobal, def: "unset", parse: pPositive,
			global: func(g *Global, v any) { g.MaxConnectionsPerIP = v.(int) }},

		// nginx core guards against slow or oversized clients; they apply per
		// listen address, from the http and server levels (a value inside a
		// location is accepted and has no effect).
		{name: "client_header_timeout", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "60s", parse: pTimeout,
			apply: func(s *Settings, v any) { s.ClientHeaderTimeout = v.(time.Duration) }},
		{name: "client_body_timeout", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "60s", parse: pTimeout,
			apply: func(s *Settings, v any) { s.ClientBodyTimeout = v.(time.Duration) }},
		{name: "send_timeout", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "60s", parse: pTimeout,
			apply: func(s *Settings, v any) { s.SendTimeout = v.(time.Duration) }},
		{name: "client_header_buffer_size", ctx: ctxHSL, min: 1, max: 1, kind: kSetting, def: "1k", parse: pBufferSize,
			apply: func(s *Settings, v any) { s.ClientHeaderBufferSize = v.(int) }},
		{name: "large_client_header_buffers", ctx: ctxHSL, min: 2, max: 2, kind: kSetting, def: "4 8k", parse: pLargeBuffers,
			apply: func(s *Settings, v any) { s.LargeHeaderBuffers = v.(HeaderBuffers) }},
	}
}

// withAuthDirectives adds the rows of authDirectives to the table; a row
// replaces an "accepted and ignored" row of the same name (the nginx
// timeouts and header buffers used to be ignored).
func withAuthDirectives(t []*directive) []*directive {
	rows := authDirectives()
	mine := make(map[string]bool, len(rows))
	for _, d := range rows {
		mine[d.name] = true
	}
	out := t[:0]
	for _, d := range t {
		if !(d.kind == kIgnored && mine[d.name]) {
			out = append(out, d)
		}
	}
	return append(out, rows...)
}

// resolveSecret reads a secret value: "env:NAME" is the environment
// variable NAME (it must be set and non-empty), anything else is literal.
func resolveSecret(d *directive, v string) (string, error) {
	name, ok := strings.CutPrefix(v, "env:")
	if !ok {
		if v == "" {
			return "", fmt.Errorf("%q directive: empty secret", d.name)
		}
		return v, nil
	}
	if name == "" {
		return "", fmt.Errorf("%q directive: missing variable name in %q", d.name, v)
	}
	s, set := os.LookupEnv(name)
	if !set || s == "" {
		return "", fmt.Errorf("%q directive: environment variable %s is not set or empty", d.name, name)
	}
	return s, nil
}

func pSecrets(d *directive, n *node, _ readFunc) (any, error) {
	out := make([]string, 0, len(n.args))
	for _, a := range n.args {
		s, err := resolveSecret(d, a.text)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// pBasic parses USER:PASSWORD arguments; PASSWORD may be env:NAME.
func pBasic(d *directive, n *node, _ readFunc) (any, error) {
	out := make([]BasicCredential, 0, len(n.args))
	for _, a := range n.args {
		user, pass, ok := strings.Cut(a.text, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("%q directive: %q is not USER:PASSWORD", d.name, a.text)
		}
		p, err := resolveSecret(d, pass)
		if err != nil {
			return nil, err
		}
		out = append(out, BasicCredential{User: user, Password: p})
	}
	return out, nil
}

func pRealm(d *directive, n *node, _ readFunc) (any, error) {
	v := n.args[0].text
	if v == "" || strings.ContainsAny(v, "\"\\\r\n") {
		return nil, invalidValue(d)
	}
	return v, nil
}

// pClaimValue is an expected JWT claim value: not empty, no control
// characters.
func pClaimValue(d *directive, n *node, _ readFunc) (any, error) {
	v := n.args[0].text
	if v == "" || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return nil, invalidValue(d)
	}
	return v, nil
}

// pJWTKey parses `hs256 SECRET` or `rs256 PEM-FILE` (PEM-FILE relative to
// the config file; env:NAME holds the PEM itself).
func pJWTKey(d *directive, n *node, read readFunc) (any, error) {
	alg := strings.ToUpper(n.args[0].text)
	v := n.args[1].text
	switch alg {
	case "HS256":
		s, err := resolveSecret(d, v)
		if err != nil {
			return nil, err
		}
		if len(s) < minHS256SecretBytes {
			return nil, fmt.Errorf("%q directive: an HS256 secret needs at least %d bytes", d.name, minHS256SecretBytes)
		}
		return &JWTKey{Alg: alg, Secret: []byte(s)}, nil
	case "RS256":
		var data []byte
		if strings.HasPrefix(v, "env:") {
			s, err := resolveSecret(d, v)
			if err != nil {
				return nil, err
			}
			data = []byte(s)
		} else {
			path := v
			if !filepath.IsAbs(path) {
				path = filepath.Join(filepath.Dir(n.file), path)
			}
			b, err := read(path)
			if err != nil {
				return nil, fmt.Errorf("%q directive: unable to read key %q: %v", d.name, path, err)
			}
			data = b
		}
		pub, err := parseRSAPublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("%q directive: %v", d.name, err)
		}
		return &JWTKey{Alg: alg, Public: pub}, nil
	}
	return nil, fmt.Errorf("%q directive: unknown algorithm %q, accepted values (hs256, rs256)", d.name, n.args[0].text)
}

// parseRSAPublicKey accepts a PEM "PUBLIC KEY", "RSA PUBLIC KEY" or
// "CERTIFICATE" block.
func parseRSAPublicKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("no PEM block in the RS256 key")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	default:
		return nil, fmt.Errorf("unsupported PEM block %q for an RS256 key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse RS256 key: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("the RS256 key is not an RSA public key")
	}
	return pub, nil
}

func pAuthURL(d *directive, n *node, _ readFunc) (any, error) {
	v := n.args[0].text
	if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
		return nil, fmt.Errorf("%q directive: %q must be an http:// or https:// URL", d.name, v)
	}
	return v, nil
}

func pAuthTimeout(d *directive, n *node, _ readFunc) (any, error) {
	v, ok := parseTime(n.args[0].text, true)
	if !ok || v <= 0 || v > maxAuthRequestTimeout {
		return nil, fmt.Errorf("%q directive: the timeout must be between 1ms and %v", d.name, maxAuthRequestTimeout)
	}
	return v, nil
}

// pCacheTTL parses a time; 0 (or off) disables the cache and is stored as -1
// so that 0 can mean "default".
func pCacheTTL(d *directive, n *node, _ readFunc) (any, error) {
	if strings.EqualFold(n.args[0].text, "off") {
		return time.Duration(-1), nil
	}
	v, ok := parseTime(n.args[0].text, true)
	if !ok {
		return nil, invalidValue(d)
	}
	if v == 0 {
		return time.Duration(-1), nil
	}
	return v, nil
}

func pPositive(d *directive, n *node, r readFunc) (any, error) {
	v, err := pNumber(d, n, r)
	if err != nil {
		return nil, err
	}
	if v.(int) == 0 {
		return nil, fmt.Errorf("push stream module: %s cannot be zero.", d.name)
	}
	return v, nil
}

func pTimeout(d *directive, n *node, _ readFunc) (any, error) {
	v, ok := parseTime(n.args[0].text, true)
	if !ok || v == 0 {
		return nil, invalidValue(d)
	}
	return v, nil
}

func pBufferSize(d *directive, n *node, _ readFunc) (any, error) {
	v, ok := parseSize(n.args[0].text)
	if !ok || v <= 0 || v > 1<<20 {
		return nil, invalidValue(d)
	}
	return int(v), nil
}

func pLargeBuffers(d *directive, n *node, _ readFunc) (any, error) {
	num, err := strconv.Atoi(n.args[0].text)
	size, ok := parseSize(n.args[1].text)
	if err != nil || num <= 0 || num > 64 || !ok || size < 64 || size > 1<<20 {
		return nil, invalidValue(d)
	}
	return HeaderBuffers{Num: num, Size: int(size)}, nil
}
