// Package hub owns channels, their stored messages and their subscribers:
// message ids, tags and times, the limits of limits.md, the memory budget,
// the 4-second maintenance tick with its trash, and the events channel.
//
// With Config.Broker set (cluster mode, cluster.go) the broker holds ids,
// history, the channel registry and cluster-wide counts; the hub keeps the
// channels that have local subscribers, fans out what the broker delivers,
// and reports its counts with a heartbeat. The exported API is the same in
// both modes; handlers and transports do not know which one runs.
//
// It knows nothing about HTTP. Transports implement Subscriber; the hub
// calls them with its lock held, so Subscriber methods must never block
// (they queue and wake their connection).
//
// Lock order: cluster.subMu, then Hub.mu, then whatever a Subscriber takes
// inside Deliver / ChannelDeleted (its own queue lock), then Message render
// caches. The hub never calls the broker with Hub.mu held, because the
// broker calls back into the hub.
package hub
