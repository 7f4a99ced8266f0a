package httpd

import (
	"net"
	"syscall"
	"unsafe"
)

// writev is one non-blocking writev(2) of bufs (at most 1024 buffers).
func writev(fd uintptr, bufs net.Buffers) (int, error) {
	var iov [64]syscall.Iovec
	vec := iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if len(vec) == 1024 {
			break
		}
		v := syscall.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		vec = append(vec, v)
	}
	if len(vec) == 0 {
		return 0, nil
	}
	// RawSyscall: the socket is non-blocking, so the call never waits; a
	// plain Syscall would let the runtime hand our P to another thread
	// when a loopback write takes longer than sysmon's 20 µs tick, and
	// every such hand-off costs context switches.
	n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&vec[0])), uintptr(len(vec)))
	if errno != 0 {
		return int(n), errno
	}
	return int(n), nil
}
