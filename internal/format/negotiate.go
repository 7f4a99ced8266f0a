package format

import "strings"

// DocFormat is one of the six statistics formats chosen by Accept.
type DocFormat uint8

const (
	JSON  DocFormat = iota // application/json (the default)
	Plain                  // text/plain
	YAML                   // application/yaml
	XML                    // application/xml
	XJSON                  // text/x-json, JSON documents
	XYAML                  // text/x-yaml, YAML documents
)

// acceptSubtypes is the order in which subtypes are tried after each '/'.
var acceptSubtypes = [...]struct {
	prefix string
	f      DocFormat
}{
	{"plain", Plain},
	{"json", JSON},
	{"yaml", YAML},
	{"xml", XML},
	{"x-json", XJSON},
	{"x-yaml", XYAML},
}

// Negotiate picks the document format from an Accept value
// (statistics.md §2): at every '/', left to right, the bytes that follow are
// compared case-sensitively with plain, json, yaml, xml, x-json, x-yaml; the
// first match decides. No match → JSON. So a browser's
// "text/html,application/xhtml+xml,application/xml;q=0.9" gives XML.
func Negotiate(accept string) DocFormat {
	for i := 0; i < len(accept); i++ {
		if accept[i] != '/' {
			continue
		}
		rest := accept[i+1:]
		for _, s := range acceptSubtypes {
			if strings.HasPrefix(rest, s.prefix) {
				return s.f
			}
		}
	}
	return JSON
}

// ContentType is the Content-Type of documents in format f.
func (f DocFormat) ContentType() string {
	switch f {
	case Plain:
		return "text/plain"
	case YAML:
		return "application/yaml"
	case XML:
		return "application/xml"
	case XJSON:
		return "text/x-json"
	case XYAML:
		return "text/x-yaml"
	default:
		return "application/json"
	}
}

// String names the format for logs and tests.
func (f DocFormat) String() string {
	switch f {
	case Plain:
		return "plain"
	case YAML:
		return "yaml"
	case XML:
		return "xml"
	case XJSON:
		return "x-json"
	case XYAML:
		return "x-yaml"
	default:
		return "json"
	}
}

// family maps the six formats onto the four document templates.
func (f DocFormat) family() DocFormat {
	switch f {
	case XJSON:
		return JSON
	case XYAML:
		return YAML
	case Plain, YAML, XML:
		return f
	default:
		return JSON
	}
}
