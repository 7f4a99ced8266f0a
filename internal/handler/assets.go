package handler

import (
	"net/http"

	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/web"
)

// Paths of the embedded browser client and its demo page. They are served
// only where the configuration has no location of its own for them.
const (
	clientPath   = "/pushstream.js"
	testPagePath = "/pushstream-test.html"
)

// serveAsset answers the embedded client files; it reports false for any
// other path.
func serveAsset(w *httpd.Response, r *http.Request) bool {
	var body []byte
	var ctype string
	switch r.URL.Path {
	case clientPath:
		body, ctype = web.ClientJS, "text/javascript; charset=utf-8"
	case testPagePath:
		body, ctype = web.TestPage, "text/html; charset=utf-8"
	default:
		return false
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.SetHeader("Allow", "GET, HEAD")
		_ = w.WriteHeaderOnly(405)
		return true
	}
	w.SetHeader("Cache-Control", "no-cache")
	_ = w.WriteBody(200, ctype, body)
	return true
}
