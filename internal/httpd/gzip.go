package httpd

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// GzipPolicy is the gzip configuration of the location serving a request
// (config.md §7: gzip, gzip_types, gzip_min_length, gzip_http_version,
// gzip_comp_level, gzip_vary).
type GzipPolicy struct {
	Enabled bool
	// Types are media types without parameters, lower case; "*" matches
	// all. text/html always matches.
	Types []string
	// MinLength: bodies of known length below it are sent plain.
	MinLength int
	// AllowHTTP10 is gzip_http_version 1.0 (default 1.1: HTTP/1.0 clients
	// get plain bodies).
	AllowHTTP10 bool
	// Level 1–9; 0 means 1 (nginx default).
	Level int
	// Vary adds "Vary: Accept-Encoding" to responses that may be compressed.
	Vary bool
}

// SetGzip sets the policy for this response; call before writing.
func (w *Response) SetGzip(p GzipPolicy) {
	if p.Enabled {
		q := p // only an enabled policy is kept (and allocated)
		w.gzipPolicy = &q
	} else {
		w.gzipPolicy = nil
	}
}

// gzipApplies decides compression and adds Vary; n < 0 means unknown length.
func (w *Response) gzipApplies(code int, contentType string, n int) bool {
	p := w.gzipPolicy
	if p == nil || n == 0 || w.c.hijacked {
		return false
	}
	if code != http.StatusOK && code != http.StatusForbidden && code != http.StatusNotFound {
		return false
	}
	if !p.typeMatches(contentType) {
		return false
	}
	if p.Vary {
		w.SetHeader("Vary", "Accept-Encoding")
	}
	if n > 0 && n < p.MinLength {
		return false
	}
	if !w.http11 && !p.AllowHTTP10 {
		return false
	}
	return w.gzipOK
}

func (p *GzipPolicy) typeMatches(contentType string) bool {
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.ToLower(strings.TrimSpace(mt))
	if mt == "text/html" {
		return true
	}
	for _, t := range p.Types {
		if t == "*" || t == mt {
			return true
		}
	}
	return false
}

// acceptsGzip looks for a "gzip" coding in Accept-Encoding not refused by q=0.
func acceptsGzip(r *http.Request) bool {
	for _, line := range r.Header["Accept-Encoding"] {
		for _, part := range strings.Split(line, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.ToLower(params), " ", "")
			if q == "q=0" || strings.HasPrefix(q, "q=0.0") && strings.Trim(q[4:], "0") == "" {
				return false
			}
			return true
		}
	}
	return false
}

// gzipStream compresses pieces with a sync flush after each, so the client
// can decode every piece as soon as it arrives.
type gzipStream struct {
	zw    *gzip.Writer
	out   bytes.Buffer
	level int
}

var gzipPools [gzip.BestCompression + 1]sync.Pool

func newGzipStream(level int) *gzipStream {
	if level < gzip.BestSpeed || level > gzip.BestCompression {
		level = gzip.BestSpeed
	}
	s := &gzipStream{level: level}
	if zw, ok := gzipPools[level].Get().(*gzip.Writer); ok {
		zw.Reset(&s.out)
		s.zw = zw
	} else {
		s.zw, _ = gzip.NewWriterLevel(&s.out, level) // level is valid
	}
	return s
}

// piece compresses p and returns the bytes to send, valid until the next call.
func (s *gzipStream) piece(p []byte) ([]byte, error) {
	s.out.Reset()
	if _, err := s.zw.Write(p); err != nil {
		return nil, fmt.Errorf("httpd: gzip: %w", err)
	}
	if err := s.zw.Flush(); err != nil {
		return nil, fmt.Errorf("httpd: gzip flush: %w", err)
	}
	return s.out.Bytes(), nil
}

// close writes the gzip trailer and returns the writer to its pool.
func (s *gzipStream) close() ([]byte, error) {
	s.out.Reset()
	err := s.zw.Close()
	s.zw.Reset(nil)
	gzipPools[s.level].Put(s.zw)
	if err != nil {
		return nil, fmt.Errorf("httpd: gzip close: %w", err)
	}
	return s.out.Bytes(), nil
}
