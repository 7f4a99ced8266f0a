// Package handler answers each request by the kind of its location:
// publisher (publisher.go), subscriber (subscriber.go, then a transport)
// and statistics (statistics.go). It applies the request prelude of the
// spec — CORS, methods, channel-path checks, limits — and hands the
// channel work to the hub.
package handler
