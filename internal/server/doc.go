// Package server runs pushstream: it loads the configuration, opens the
// listeners, builds the hub and the handler, and reacts to signals (stop,
// reload, reopen logs) as config.md §1 describes.
package server
