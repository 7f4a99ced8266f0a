//go:build unix && !linux

package httpd

import (
	"net"
	"syscall"
)

// writev writes the first buffer only (one write(2)); the rest stays
// pending for the connection goroutine.
func writev(fd uintptr, bufs net.Buffers, _ bool) (int, error) {
	for _, b := range bufs {
		if len(b) > 0 {
			return syscall.Write(int(fd), b)
		}
	}
	return 0, nil
}
