package hub

import "sync"

// renderCache keeps the bytes a message was formatted to, one entry per
// distinct key (a compiled template in a given mode), so that a message is
// rendered once and the bytes are shared by every subscriber (DESIGN.md).
type renderCache struct {
	mu      sync.Mutex
	entries []renderEntry
}

type renderEntry struct {
	key any
	b   []byte
}

// Rendered returns the cached bytes for key, calling render once per key.
// The returned slice must not be modified.
func (m *Message) Rendered(key any, render func(*Message) []byte) []byte {
	c := &m.cache
	c.mu.Lock()
	for _, e := range c.entries {
		if e.key == key {
			c.mu.Unlock()
			return e.b
		}
	}
	c.mu.Unlock()
	b := render(m)
	c.mu.Lock()
	for _, e := range c.entries {
		if e.key == key {
			c.mu.Unlock()
			return e.b
		}
	}
	c.entries = append(c.entries, renderEntry{key, b})
	c.mu.Unlock()
	return b
}
