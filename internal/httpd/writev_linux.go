package httpd

import (
	"net"
	"syscall"
	"unsafe"
)

// writev is one non-blocking writev(2) of bufs (at most 1024 buffers).
// raw issues it as a raw syscall: the runtime then never hands our P to
// another thread for it (see conn.writeNow). Flushers pass false on
// purpose: a fan-out is a long run of writes, and a slow one letting the
// runtime hand the P over is what gets the network polled, so publishers
// are read in the middle of a fan-out instead of after it.
func writev(fd uintptr, bufs net.Buffers, raw bool) (int, error) {
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
	call := syscall.Syscall
	if raw {
		call = syscall.RawSyscall
	}
	n, _, errno := call(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&vec[0])), uintptr(len(vec)))
	if errno != 0 {
		return int(n), errno
	}
	return int(n), nil
}
