// Package transport turns hub messages into the bytes of each subscriber
// mode — streaming, eventsource, polling, long-polling (with JSONP) and
// websocket — and owns the write side of the subscriber's connection.
//
// Every mode is a start plus a step function run by httpd (Response.Run):
// the hub fills a bounded mailbox (mailbox.go); flushers (flusher.go) write
// live messages straight to the socket without blocking, and wake the
// connection's step only for what they cannot do (a full socket, a deleted
// channel, the end). A publisher therefore never waits for a subscriber; a
// subscriber whose mailbox overflows is cut.
package transport
