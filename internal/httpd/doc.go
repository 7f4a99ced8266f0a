// Package httpd is pushstream's HTTP/1.x wire layer. It parses request heads
// itself (reqhead.go: the same *http.Request as http.ReadRequest, fuzzed
// against it, with a handful of allocations) and writes responses itself, so
// that the bytes the spec pins come out exactly: nginx reason phrases, header names
// in the caller's case, one HTTP chunk per piece flushed at once, gzip with a
// sync flush per piece, the nginx 413 page, HTTP/1.0 clients without Host.
//
// A connection is served by one goroutine at a time. A handler that waits
// for messages (a subscriber) hands the rest of its response to
// Response.Run (or Conn.Run after Hijack) as a step function. On a plain
// socket the wait between steps holds no goroutine at all (suspend.go): the
// idle poller (idlepoll_linux.go, one epoll set) watches the socket for
// client bytes or close, Waker.Wake and a timer watch the rest, and the
// first event starts a new goroutine that runs the next step. Elsewhere
// (TLS, HTTP/2 gateway, tests over net.Pipe) the goroutine parks in a read
// (Park), which Wake interrupts by moving the read deadline into the past.
// Read buffers are pooled and given back while a connection waits, so an
// idle subscriber costs a few hundred bytes of state and its socket.
//
// Arrival order (arrivals.go): a publisher can wait, briefly, for the
// requests that arrived before it and may become subscribers, as nginx's
// single event loop would have served them first.
package httpd
