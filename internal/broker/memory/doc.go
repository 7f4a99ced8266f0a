// Package memory is the in-process broker.Broker: one Server holds the
// shared channel state and every Node attached to it behaves like one
// pushstream node of a cluster. It serves the contract tests and tests that
// run several hubs in one process; a single pushstream node without a
// push_stream_broker line does not use it (the hub's own store keeps the
// memory budget and trash of limits.md).
package memory
