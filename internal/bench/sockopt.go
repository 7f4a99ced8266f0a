package bench

import (
	"syscall"
	"unsafe"
)

// setQuickAck sets TCP_QUICKACK (Linux) on a socket; errors are ignored
// because it is only an optimisation.
func setQuickAck(fd int, on bool) {
	v := 0
	if on {
		v = 1
	}
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, v)
}

func unsafePointer(p []byte) unsafe.Pointer {
	if len(p) == 0 {
		return nil
	}
	return unsafe.Pointer(&p[0])
}
