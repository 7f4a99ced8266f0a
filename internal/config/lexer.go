package config

import "strings"

// tokKind is the kind of a lexical token.
type tokKind int

const (
	tokWord tokKind = iota
	tokSemi
	tokOpen
	tokClose
	tokEOF
)

type token struct {
	kind   tokKind
	text   string // word text with quotes removed and escapes applied
	quoted bool
	line   int
}

// lexer is the nginx tokenizer of config.md §2.
type lexer struct {
	file string
	data []byte
	pos  int
	line int
}

func newLexer(file string, data []byte) *lexer { return &lexer{file: file, data: data, line: 1} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// next returns the next token or a syntax error.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case isSpace(c):
			l.pos++
		case c == '#':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' {
				l.pos++
			}
		case c == ';':
			l.pos++
			return token{kind: tokSemi, line: l.line}, nil
		case c == '{':
			l.pos++
			return token{kind: tokOpen, line: l.line}, nil
		case c == '}':
			l.pos++
			return token{kind: tokClose, line: l.line}, nil
		case c == '"' || c == '\'':
			return l.quoted(c)
		default:
			return l.word(), nil
		}
	}
	return token{kind: tokEOF, line: l.line}, nil
}

func (l *lexer) quoted(q byte) (token, error) {
	line := l.line
	l.pos++
	start := l.pos
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch c {
		case '\\':
			if l.pos+1 < len(l.data) && l.data[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
			continue
		case '\n':
			l.line++
		case q:
			raw := l.data[start:l.pos]
			l.pos++
			return token{kind: tokWord, text: unescape(raw), quoted: true, line: line}, nil
		}
		l.pos++
	}
	return token{}, errAt(l.file, l.line, "unexpected end of file, expecting %q", string(q))
}

// word reads an unquoted token. As in nginx, quotes inside a word are
// literal and "${" opens a variable name whose braces belong to the word.
func (l *lexer) word() token {
	line := l.line
	start := l.pos
	inVar := false
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		if c == '\\' && l.pos+1 < len(l.data) {
			if l.data[l.pos+1] == '\n' {
				l.line++
			}
			l.pos += 2
			continue
		}
		if c == '{' && l.pos > start && l.data[l.pos-1] == '$' {
			inVar = true
			l.pos++
			continue
		}
		if c == '}' && inVar {
			inVar = false
			l.pos++
			continue
		}
		if isSpace(c) || c == ';' || c == '{' || c == '}' {
			break
		}
		l.pos++
	}
	return token{kind: tokWord, text: unescape(l.data[start:l.pos]), line: line}
}

// unescape applies the escapes nginx replaces in every token; any other
// backslash stays as is.
func unescape(raw []byte) string {
	if !strings.ContainsRune(string(raw), '\\') {
		return string(raw)
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			switch raw[i+1] {
			case '"', '\'', '\\':
				b = append(b, raw[i+1])
				i++
				continue
			case 't':
				b = append(b, '\t')
				i++
				continue
			case 'r':
				b = append(b, '\r')
				i++
				continue
			case 'n':
				b = append(b, '\n')
				i++
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}
