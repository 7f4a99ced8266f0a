package bench

import (
	"net"
	"syscall"
)

// setQuickAck sets TCP_QUICKACK (Linux) on c; errors are ignored because it
// is only an optimisation.
func setQuickAck(c net.Conn, on bool) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	v := 0
	if on {
		v = 1
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, v)
	})
}
