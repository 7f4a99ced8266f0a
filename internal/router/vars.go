package router

import (
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Vars gives the nginx variables of one request (config.md §5). It
// implements config.Vars. Values are raw: $arg_* stays %-encoded.
type Vars struct {
	req        *http.Request
	uri        string // normalised path
	rawQuery   string
	localAddr  string
	serverName string
	captures   [10]string
}

// NewVars builds the variables of req as received on localAddr. uri is the
// normalised path ("" to compute it from the request).
func NewVars(req *http.Request, localAddr, uri string) *Vars {
	rawPath, rawQuery := splitRequestURI(req)
	if uri == "" {
		uri, _ = normalizePath(rawPath)
	}
	return &Vars{req: req, uri: uri, rawQuery: rawQuery, localAddr: localAddr}
}

// SetCaptures replaces $1..$9; caps[0] is the whole match and is ignored.
func (v *Vars) SetCaptures(caps []string) {
	v.captures = [10]string{}
	for i := 1; i < len(caps) && i < len(v.captures); i++ {
		v.captures[i] = caps[i]
	}
}

// URI is the normalised request path ($uri).
func (v *Vars) URI() string { return v.uri }

// Var implements config.Vars.
func (v *Vars) Var(name string) string {
	if len(name) == 1 && name[0] >= '1' && name[0] <= '9' {
		return v.captures[name[0]-'0']
	}
	switch {
	case strings.HasPrefix(name, "arg_"):
		return Arg(v.rawQuery, name[4:])
	case strings.HasPrefix(name, "http_"):
		return v.header(name[5:])
	case strings.HasPrefix(name, "cookie_"):
		return Cookie(v.req.Header, name[7:])
	}
	r := v.req
	switch name {
	case "uri", "document_uri":
		return v.uri
	case "request_uri":
		return r.RequestURI
	case "args", "query_string":
		return v.rawQuery
	case "is_args":
		if v.rawQuery != "" {
			return "?"
		}
		return ""
	case "host":
		if h := hostOnly(r.Host); h != "" {
			return h
		}
		return v.serverName
	case "hostname":
		h, _ := os.Hostname()
		return h
	case "remote_addr":
		h, _ := splitHostPort(r.RemoteAddr)
		return h
	case "remote_port":
		_, p := splitHostPort(r.RemoteAddr)
		return p
	case "server_addr":
		h, _ := splitHostPort(v.localAddr)
		return h
	case "server_port":
		_, p := splitHostPort(v.localAddr)
		return p
	case "server_name":
		return v.serverName
	case "request_method":
		return r.Method
	case "scheme":
		if r.TLS != nil {
			return "https"
		}
		return "http"
	case "https":
		if r.TLS != nil {
			return "on"
		}
		return ""
	case "server_protocol":
		return r.Proto
	case "content_type":
		return r.Header.Get("Content-Type")
	case "content_length":
		return r.Header.Get("Content-Length")
	case "pid":
		return strconv.Itoa(os.Getpid())
	case "msec":
		now := time.Now()
		return strconv.FormatInt(now.Unix(), 10) + "." + strconv.FormatInt(int64(now.Nanosecond()/1e6)+1000, 10)[1:]
	case "time_iso8601":
		return time.Now().Format("2006-01-02T15:04:05-07:00")
	case "time_local":
		return time.Now().Format("02/Jan/2006:15:04:05 -0700")
	}
	return ""
}

// header finds a request header by variable name: '_' matches '-',
// case-insensitive; the first value wins except Cookie, whose values join.
func (v *Vars) header(name string) string {
	if strings.EqualFold(name, "host") {
		return v.req.Host
	}
	var vals []string
	for k, vs := range v.req.Header {
		if len(k) == len(name) && strings.EqualFold(strings.ReplaceAll(k, "-", "_"), name) {
			vals = append(vals, vs...)
		}
	}
	if len(vals) == 0 {
		return ""
	}
	if strings.EqualFold(name, "cookie") {
		return strings.Join(vals, "; ")
	}
	return vals[0]
}

// Arg returns the raw (still %-encoded) value of the first argument of the
// raw query string named name, compared case-insensitively ($arg_NAME).
func Arg(rawQuery, name string) string {
	for rawQuery != "" {
		part := rawQuery
		if i := strings.IndexByte(rawQuery, '&'); i >= 0 {
			part, rawQuery = rawQuery[:i], rawQuery[i+1:]
		} else {
			rawQuery = ""
		}
		if len(part) > len(name) && part[len(name)] == '=' && strings.EqualFold(part[:len(name)], name) {
			return part[len(name)+1:]
		}
	}
	return ""
}

// Cookie returns the raw value of the first cookie named name (case-insensitive).
func Cookie(h http.Header, name string) string {
	for k, vs := range h {
		if !strings.EqualFold(k, "Cookie") {
			continue
		}
		for _, line := range vs {
			for _, c := range strings.Split(line, ";") {
				c = strings.TrimLeft(c, " \t")
				if len(c) > len(name) && c[len(name)] == '=' && strings.EqualFold(c[:len(name)], name) {
					return strings.TrimRight(c[len(name)+1:], " \t")
				}
			}
		}
	}
	return ""
}

func splitHostPort(addr string) (string, string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, ""
	}
	return h, p
}

// hostOnly lowercases a Host header value and removes its port.
func hostOnly(h string) string {
	if h == "" {
		return ""
	}
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i >= 0 {
			h = h[:i+1]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// splitRequestURI gives the raw path and raw query of the request.
func splitRequestURI(req *http.Request) (string, string) {
	ru := req.RequestURI
	if strings.HasPrefix(ru, "/") {
		if i := strings.IndexByte(ru, '?'); i >= 0 {
			return ru[:i], ru[i+1:]
		}
		return ru, ""
	}
	if req.URL == nil {
		return "", ""
	}
	return req.URL.EscapedPath(), req.URL.RawQuery
}
