// Package web owns the files pushstream serves to browsers: the
// dependency-free ES module client (pushstream.js, at /pushstream.js) and a
// small demo page that the real-browser tests in test/browser drive
// (test.html, at /pushstream-test.html). Both are embedded in the binary.
// Module scripts need a JavaScript MIME type, so /pushstream.js must be
// served as "text/javascript; charset=utf-8".
package web
