package web

import _ "embed"

// ClientJS is the browser client, served at /pushstream.js.
//
//go:embed pushstream.js
var ClientJS []byte

// TestPage is the demo and browser-test page, served at /pushstream-test.html.
// It loads the client from /pushstream.js.
//
//go:embed test.html
var TestPage []byte
