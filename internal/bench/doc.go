//go:build linux

// Package bench is the load generator behind cmd/pushstream-bench.
//
// It speaks only the push-stream wire protocol (POST to the publisher
// location, subscribers over WebSocket, EventSource, streaming and
// long-polling), so it can measure any compatible server: pushstream,
// nginx with nginx-push-stream-module, or Nchan with a matching config.
//
// Every published body starts with "B1|<publisher>|<seq>|<unixnano>|" and is
// padded to the requested size. Subscribers never parse the server's message
// template: they de-frame the transport (WebSocket frames, chunked bodies)
// and scan the bytes for that marker, so a JSON, ~text~ or HTML template all
// work. From the marker they get the publish time (latency) and the sequence
// number (exact loss, duplication and reordering per subscriber).
//
// Hot-path rules: subscribers are raw sockets read by a few epoll event
// loops (evloop.go) into one buffer per loop, parsed in place, with no
// allocation per message; latencies go into a preallocated log-linear
// histogram. Linux only (epoll, /proc, sched_setaffinity).
package bench
