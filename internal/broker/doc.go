// Package broker defines the seam between the hub and where channel state
// lives when several pushstream nodes share it: the Broker interface, the
// messages it carries and the Handler it calls back.
//
// A broker owns what must agree across nodes: per-channel message ids, the
// server-wide per-second tag, publish times, the stored history bounded by
// max stored messages and message TTL, the channel registry (creation
// order, limits, inactivity), cluster-wide subscriber counts reported by
// node heartbeats, and the delivery of messages and deletions to every
// node that subscribed to a channel. The hub keeps local subscribers and
// fans out locally.
//
// Implementations: memory (in-process; several nodes in one process share
// one memory.Server) and redis (single Redis, Sentinel or Redis Cluster).
// Both pass the same contract tests in package brokertest.
package broker
