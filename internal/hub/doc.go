// Package hub owns channels, their stored messages and their subscribers:
// message ids, tags and times, the limits of limits.md, the memory budget,
// the 4-second maintenance tick with its trash, and the events channel.
//
// It knows nothing about HTTP. Transports implement Subscriber; the hub
// calls them with its lock held, so Subscriber methods must never block
// (they queue and wake their connection).
//
// Lock order: Hub.mu, then whatever a Subscriber takes inside Deliver /
// ChannelDeleted (its own queue lock), then Message render caches.
package hub
