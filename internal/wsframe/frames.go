package wsframe

import (
	"strconv"

	"github.com/gobwas/ws"
)

// Fixed server frames (unmasked, FIN set, empty payload).
var (
	PingFrame   = []byte{0x89, 0x00}
	PongFrame   = []byte{0x8a, 0x00}
	CloseFrame0 = []byte{0x88, 0x00}
)

// closeStatusPolicy is 1008 (policy violation), sent as \x03\xF0.
const closeStatusPolicy = 1008

// TextFrame encodes payload as one FIN text frame. Encode once per message
// and share the bytes between subscribers.
func TextFrame(payload []byte) []byte {
	return AppendTextFrame(make([]byte, 0, ws.MaxHeaderSize+len(payload)), payload)
}

// AppendTextFrame appends a FIN text frame carrying payload to dst. The
// payload is sent as is, even when it is not UTF-8 (§8).
func AppendTextFrame(dst, payload []byte) []byte {
	return appendFrame(dst, ws.OpText, payload)
}

// CloseFrame builds the close frame of §8 step 4: status 1008 and the reason
// {"http_status": <status>, "explain":"<explain>"}. The explain text is
// written verbatim, like the original (the texts are fixed server strings).
func CloseFrame(status int, explain string) []byte {
	body := make([]byte, 0, 48+len(explain))
	body = append(body, byte(closeStatusPolicy>>8), byte(closeStatusPolicy&0xff))
	body = append(body, `{"http_status": `...)
	body = strconv.AppendInt(body, int64(status), 10)
	body = append(body, `, "explain":"`...)
	body = append(body, explain...)
	body = append(body, `"}`...)
	return appendFrame(make([]byte, 0, ws.MaxHeaderSize+len(body)), ws.OpClose, body)
}

func appendFrame(dst []byte, op ws.OpCode, payload []byte) []byte {
	h := ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))}
	if cap(dst)-len(dst) < ws.HeaderSize(h)+len(payload) {
		grown := make([]byte, len(dst), len(dst)+ws.HeaderSize(h)+len(payload))
		copy(grown, dst)
		dst = grown
	}
	w := sliceWriter{buf: dst}
	var scratch [ws.MaxHeaderSize]byte
	// Cannot fail: the length is a real slice length and the writer never errs.
	_ = ws.WriteHeaderBuffer(&w, h, scratch[:])
	return append(w.buf, payload...)
}

// sliceWriter appends writes to buf without allocating when capacity allows.
type sliceWriter struct{ buf []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	return len(p), nil
}
