package transport

import (
	"errors"

	"github.com/pushstream/pushstream/internal/httpd"
	"github.com/pushstream/pushstream/internal/hub"
)

// writeAttachError answers a subscription the hub refused, before any
// response byte was sent (limits.md §2).
func writeAttachError(w *httpd.Response, err error) {
	switch {
	case errors.Is(err, hub.ErrTooManyChannels), errors.Is(err, hub.ErrTooManySubscribers):
		w.SetHeader("X-Nginx-PushStream-Explain", err.Error())
		_ = w.WriteHeaderOnly(403)
	case errors.Is(err, hub.ErrUnavailable):
		w.SetHeader("X-Nginx-PushStream-Explain", hub.ErrUnavailable.Error())
		_ = w.WriteHeaderOnly(503)
	default:
		w.SetCloseAfter()
		_ = w.WriteHeaderOnly(500)
	}
}
