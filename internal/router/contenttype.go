package router

import (
	"strings"

	"github.com/pushstream/pushstream/internal/config"
)

// builtinTypes is what nginx maps when no `types {}` block is configured.
var builtinTypes = map[string]string{"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}

// ContentTypeFor gives the Content-Type nginx would pick for path: the
// extension of its last segment through the types map, else default_type.
func ContentTypeFor(s *config.Settings, path string) string {
	if s == nil {
		return "text/plain"
	}
	types := s.Types
	if types == nil {
		types = builtinTypes
	}
	last := path[strings.LastIndexByte(path, '/')+1:]
	if i := strings.LastIndexByte(last, '.'); i >= 0 && i+1 < len(last) {
		if t, ok := types[strings.ToLower(last[i+1:])]; ok {
			return t
		}
	}
	return s.DefaultType
}
