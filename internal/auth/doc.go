// Package auth decides who may publish, subscribe, delete and read
// statistics. It owns the credential checks of the push_stream_auth_*
// directives: static bearer and basic secrets (compared in constant time),
// signed JWT tokens (HS256, RS256) whose claims list the channels allowed,
// and an HTTP callback to the application (like nginx's auth_request) with
// a short decision cache. It knows nothing about locations or the wire: the
// handler gives it the request's credentials and channels and writes the
// Denial it gets back (401/403 header-only, or a WebSocket close frame).
//
// Security notes: the events channel is never matched by a pattern, only by
// its exact id; DELETE and statistics need an admin identity as soon as a
// location has any authentication; a callback that cannot be reached denies.
package auth
