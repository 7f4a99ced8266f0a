package router

import (
	"errors"
	"strings"
)

// ErrBadRequest is returned for a request URI nginx answers with 400:
// malformed %-escapes, NUL bytes, a path not starting with '/' or one
// that climbs above the root.
var ErrBadRequest = errors.New("router: bad request uri")

// normalizePath decodes %XX in the raw path, merges consecutive slashes
// and resolves "." and ".." as nginx does.
func normalizePath(raw string) (string, error) {
	if raw == "" || raw[0] != '/' {
		return "", ErrBadRequest
	}
	dec := raw
	if strings.IndexByte(raw, '%') >= 0 {
		b := make([]byte, 0, len(raw))
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if c == '%' {
				if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
					return "", ErrBadRequest
				}
				c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
				i += 2
			}
			b = append(b, c)
		}
		dec = string(b)
	}
	if strings.IndexByte(dec, 0) >= 0 {
		return "", ErrBadRequest
	}
	if !strings.Contains(dec, "//") && !strings.Contains(dec, "/.") {
		return dec, nil
	}
	segs := strings.Split(dec[1:], "/")
	stack := make([]string, 0, len(segs))
	trailing := false
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case "", ".":
			if last {
				trailing = true
			}
			continue
		case "..":
			if len(stack) == 0 {
				return "", ErrBadRequest
			}
			stack = stack[:len(stack)-1]
			if last {
				trailing = true
			}
			continue
		}
		stack = append(stack, seg)
		trailing = false
	}
	out := "/" + strings.Join(stack, "/")
	if trailing && len(stack) > 0 {
		out += "/"
	}
	return out, nil
}
