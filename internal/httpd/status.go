package httpd

import (
	"net/http"
	"strconv"
)

// nginxReasons are the reason phrases nginx sends where they differ from, or
// must not depend on, Go's http.StatusText.
var nginxReasons = map[int]string{
	http.StatusSwitchingProtocols:    "Switching Protocols",
	http.StatusOK:                    "OK",
	http.StatusNoContent:             "No Content",
	http.StatusNotModified:           "Not Modified",
	http.StatusBadRequest:            "Bad Request",
	http.StatusForbidden:             "Forbidden",
	http.StatusNotFound:              "Not Found",
	http.StatusMethodNotAllowed:      "Not Allowed",
	http.StatusRequestTimeout:        "Request Time-out",
	http.StatusConflict:              "Conflict",
	http.StatusRequestEntityTooLarge: "Request Entity Too Large",
	http.StatusRequestURITooLong:     "Request-URI Too Large",
	http.StatusInternalServerError:   "Internal Server Error",
	http.StatusNotImplemented:        "Not Implemented",
	http.StatusServiceUnavailable:    "Service Unavailable",
}

// StatusLine returns "HTTP/1.1 <code> <reason>\r\n" with nginx's reason
// phrase (nginx answers HTTP/1.1 even to HTTP/1.0 clients).
func StatusLine(code int) string {
	if code >= 100 && code < len(statusLines) {
		return statusLines[code]
	}
	return statusLine(code)
}

// statusLines holds every line from 100 to 599, built once: a response
// does not build its status line.
var statusLines = func() (t [600]string) {
	for code := 100; code < len(t); code++ {
		t[code] = statusLine(code)
	}
	return t
}()

func statusLine(code int) string {
	reason, ok := nginxReasons[code]
	if !ok {
		reason = http.StatusText(code)
	}
	if reason == "" {
		return "HTTP/1.1 " + strconv.Itoa(code) + "\r\n"
	}
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + reason + "\r\n"
}

// bodyAllowed reports whether a response with this status may carry a body
// and a Content-Length.
func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}
