// Package wsframe owns the WebSocket wire details of subscriber.md §8: the
// opening handshake checks and the exact 101 block, the server frames (text,
// ping, pong, close with the nginx JSON reason), and an incremental,
// non-blocking parser of client frames that yields high-level events (a
// reassembled text message, ping, pong, close, protocol error, invalid UTF-8).
//
// Frame headers and masking come from github.com/gobwas/ws; the semantics
// (what is an error, what is reassembled, the size bound) are ours.
package wsframe
