// Package httpd is pushstream's HTTP/1.x wire layer. It parses requests with
// the standard library (http.ReadRequest) and writes responses itself, so that
// the bytes the spec pins come out exactly: nginx reason phrases, header names
// in the caller's case, one HTTP chunk per piece flushed at once, gzip with a
// sync flush per piece, the nginx 413 page, HTTP/1.0 clients without Host.
//
// Each connection is served by ONE goroutine. A handler that waits for
// messages (a subscriber) parks that goroutine with Response.Park (or
// Conn.Park after Hijack): it blocks in a read on the socket, so it notices
// the client closing or sending bytes, and any goroutine can interrupt it
// through Waker.Wake, which moves the read deadline into the past. Read
// buffers are pooled and given back while a connection is idle, so an idle
// subscriber costs little memory.
//
// Arrival order (arrivals.go): a publisher can wait, briefly, for the
// requests that arrived before it and may become subscribers, as nginx's
// single event loop would have served them first.
package httpd
