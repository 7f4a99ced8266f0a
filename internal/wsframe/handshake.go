package wsframe

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Explain texts of the handshake refusals (subscriber.md §8 steps 1–2).
const (
	ExplainMissingHeaders = "Don't have at least one of the mandatory headers: Connection, Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version"
	ExplainBadVersion     = "Version not supported. Supported versions: 8, 13"
	// SupportedVersions is the value of the Sec-WebSocket-Version header sent
	// with a version refusal.
	SupportedVersions = "8, 13"
)

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// HandshakeError is a refused handshake: the caller answers a header-only
// Status with X-Nginx-PushStream-Explain: Explain, plus Header when set
// (Sec-WebSocket-Version: 8, 13 on a version refusal).
type HandshakeError struct {
	Status  int
	Explain string
	Header  http.Header
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("websocket handshake refused (%d): %s", e.Status, e.Explain)
}

// Handshake applies §8 steps 1–2 and returns the Sec-WebSocket-Accept value.
// Header values other than the version are not checked, as in the original.
// Request header lookup is case-insensitive (r comes from http.ReadRequest,
// which canonicalises names).
func Handshake(r *http.Request) (accept string, err *HandshakeError) {
	h := r.Header
	key, okKey := h["Sec-Websocket-Key"]
	ver, okVer := h["Sec-Websocket-Version"]
	_, okUp := h["Upgrade"]
	_, okConn := h["Connection"]
	if !okKey || !okVer || !okUp || !okConn {
		return "", &HandshakeError{Status: http.StatusBadRequest, Explain: ExplainMissingHeaders}
	}
	if v := strings.TrimSpace(ver[0]); v != "8" && v != "13" {
		return "", &HandshakeError{
			Status:  http.StatusBadRequest,
			Explain: ExplainBadVersion,
			Header:  http.Header{"Sec-WebSocket-Version": {SupportedVersions}},
		}
	}
	return AcceptKey(strings.TrimSpace(key[0])), nil
}

// AcceptKey computes base64(SHA-1(key + GUID)).
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Append101 appends the exact 101 block of §8 step 3 to dst.
func Append101(dst []byte, accept string) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\n"+
		"Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"+
		"Cache-Control: no-cache, no-store, must-revalidate\r\n"+
		"Upgrade: WebSocket\r\n"+
		"Connection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: "...)
	dst = append(dst, accept...)
	return append(dst, "\r\n\r\n"...)
}

// Write101 writes the exact 101 block of §8 step 3 in one write.
func Write101(w io.Writer, accept string) error {
	if _, err := w.Write(Append101(make([]byte, 0, 256), accept)); err != nil {
		return fmt.Errorf("write websocket 101: %w", err)
	}
	return nil
}
