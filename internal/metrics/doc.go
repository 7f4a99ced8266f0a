// Package metrics owns the operational counters of pushstream and their
// Prometheus exposition. The hot path (message delivery, subscriber
// connect) only touches the process-wide Recorder with atomic adds; the
// Prometheus collector reads those atomics, and the hub's own counters,
// when /metrics is scraped.
package metrics
