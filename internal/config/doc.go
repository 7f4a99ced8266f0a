// Package config reads the nginx.conf subset pushstream understands (spec
// config.md): the tokenizer, the directive table, value parsing, the
// http -> server -> location inheritance, `if` blocks, complex values and
// every load-time check. The result is an immutable *Config; a reload
// builds a new one. The embedded default configuration lives here too.
package config
