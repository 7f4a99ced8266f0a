//go:build !linux

package httpd

import "errors"

// idlePoller is Linux only; elsewhere suspended responses fall back to a
// parked goroutine (Park).
type idlePoller struct{}

var idle idlePoller

func (idlePoller) ok() bool                  { return false }
func (idlePoller) watch(*conn, uint32) error { return errors.New("httpd: no idle poller") }
func (idlePoller) forget(*conn)              {}
