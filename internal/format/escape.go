package format

const hexDigits = "0123456789abcdef"

// appendJSONString appends s escaped for the inside of a JSON string.
// Bytes ≥ 0x80 are copied as is: ids are byte strings and the documents
// never re-encode them.
func appendJSONString(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// appendXMLText appends s with the five XML special characters as entities.
func appendXMLText(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		var ent string
		switch s[i] {
		case '&':
			ent = "&amp;"
		case '<':
			ent = "&lt;"
		case '>':
			ent = "&gt;"
		case '"':
			ent = "&quot;"
		case '\'':
			ent = "&apos;"
		default:
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, ent...)
		start = i + 1
	}
	return append(dst, s[start:]...)
}
