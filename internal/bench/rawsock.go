//go:build linux

package bench

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Raw sockets of the event loops: connected with the net package, then
// owned as plain non-blocking descriptors outside Go's netpoller.

// dialRaw connects with the net package (timeouts, retries on signals),
// writes req and returns a non-blocking duplicate of the socket outside Go's
// netpoller, for an event loop to own.
func dialRaw(host string, req []byte, timeout time.Duration) (int, error) {
	c, err := net.DialTimeout("tcp", host, timeout)
	if err != nil {
		return -1, fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write(req); err != nil {
		return -1, fmt.Errorf("write request: %w", err)
	}
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	cerr := rc.Control(func(f uintptr) {
		fd, err = unix.FcntlInt(f, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return -1, cerr
	}
	if err != nil {
		return -1, fmt.Errorf("dup socket: %w", err)
	}
	return fd, nil // the duplicate shares the non-blocking file description
}

// readRaw is read(2) without the runtime's system-call bookkeeping: the
// socket is non-blocking, so the call never waits.
func readRaw(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafePointer(p)), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

var errWriteTimeout = errors.New("socket not writable in time")

// writeRaw writes all of p to a non-blocking socket, waiting (bounded) for
// room; a subscribe request practically always fits at once.
func writeRaw(fd int, p []byte) error {
	for len(p) > 0 {
		n, err := syscall.Write(fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
			if k, perr := unix.Poll(pfd, 1000); perr != nil && perr != unix.EINTR {
				return perr
			} else if k == 0 {
				return errWriteTimeout
			}
			continue
		case err != nil:
			return err
		}
		p = p[n:]
	}
	return nil
}

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
