// Package transport turns hub messages into the bytes of each subscriber
// mode — streaming, eventsource, polling, long-polling (with JSONP) and
// websocket — and owns the write side of the subscriber's connection.
//
// Every mode runs on the connection's own goroutine: the hub fills a bounded
// mailbox (mailbox.go) and wakes the connection, which drains the mailbox and
// writes. A publisher therefore never waits for a subscriber; a subscriber
// whose mailbox overflows is cut.
package transport
