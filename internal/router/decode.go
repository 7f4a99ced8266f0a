package router

// Decode is the pinned %-decoding applied to evaluated complex values
// (config.md §5): every %XX becomes its byte, '+' stays '+', and decoding
// stops after the first literal '?': the bytes after it are dropped when
// something was decoded before it, otherwise they are kept undecoded (the
// original's quirk). Malformed % sequences are kept as they are.
func Decode(s string) string {
	var out []byte // nil until the first escape: most values have none
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '?' {
			if out == nil {
				return s
			}
			return string(append(out, '?'))
		}
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			if out == nil {
				out = make([]byte, 0, len(s))
				out = append(out, s[:i]...)
			}
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return s
	}
	return string(out)
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
