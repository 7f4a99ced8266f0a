// Package e2e holds the black-box conformance suite: every test builds and
// starts the real pushstream binary with an nginx-style configuration on a
// free 127.0.0.1 port and speaks raw HTTP, WebSocket and EventSource to it,
// byte for byte as the spec (/shared/spec) pins them. harness_test.go is the
// shared harness; files are named after the spec part they cover
// (publisher, stats, config, limits, events, cleanup, keepalive, sub_* per
// subscriber mode, auth/abuse/ops for production features, redis_* for the
// cluster).
package e2e
