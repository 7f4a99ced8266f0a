// Package router turns an HTTP request into "which server and location,
// with which effective settings and variables" the way nginx does
// (config.md §4, §5): server choice by listen socket and Host, URI
// normalisation, location matching, `if` evaluation and the request
// variables. It also owns the channels-path grammar (README.md §2), the
// pinned %-decoding of variable values and the default_type mapping.
package router
