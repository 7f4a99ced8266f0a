package httpd

import (
	"os"
	"sync"
	"syscall"
)

// idlePoller watches the sockets of suspended responses with one epoll
// instance of its own. Each socket is armed one-shot with the generation
// of its suspension, so a stale event (re-armed since, or a descriptor
// number reused by a newer connection) is recognised and dropped. The epoll
// descriptor itself sits in Go's network poller, so the loop waits like any
// goroutine reading a socket.
type idlePoller struct {
	once  sync.Once
	epfd  int
	file  *os.File // epfd, registered with Go's poller
	err   error
	mu    sync.Mutex
	conns map[int32]*conn // by socket descriptor
}

var idle idlePoller

const idleEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

func (p *idlePoller) ok() bool {
	p.once.Do(p.start)
	return p.err == nil
}

func (p *idlePoller) start() {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		p.err = err
		return
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		_ = syscall.Close(fd)
		p.err = err
		return
	}
	p.epfd, p.file = fd, os.NewFile(uintptr(fd), "pushstream-idle-epoll")
	p.conns = make(map[int32]*conn)
	rc, err := p.file.SyscallConn()
	if err != nil {
		p.err = err
		return
	}
	go p.loop(rc)
}

// watch arms c's socket for one event of generation gen.
func (p *idlePoller) watch(c *conn, gen uint32) error {
	var err error
	cerr := c.rawConn().Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: idleEvents, Fd: int32(fd), Pad: int32(gen)}
		if c.watchedFD == int32(fd)+1 {
			err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
			return
		}
		p.mu.Lock()
		p.conns[int32(fd)] = c
		p.mu.Unlock()
		if err = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev); err == nil {
			c.watchedFD = int32(fd) + 1
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}

// forget drops c before its socket closes (closing removes the socket from
// the epoll set by itself).
func (p *idlePoller) forget(c *conn) {
	if c.watchedFD == 0 {
		return
	}
	fd := c.watchedFD - 1
	c.watchedFD = 0
	p.mu.Lock()
	if p.conns[fd] == c {
		delete(p.conns, fd)
	}
	p.mu.Unlock()
}

func (p *idlePoller) loop(rc syscall.RawConn) {
	events := make([]syscall.EpollEvent, 256)
	_ = rc.Read(func(uintptr) bool {
		// Go's poller reports the epoll descriptor edge-triggered: take
		// everything ready before waiting again.
		for {
			n, err := syscall.EpollWait(p.epfd, events, 0)
			if err == syscall.EINTR {
				continue
			}
			if n <= 0 {
				return false
			}
			p.mu.Lock()
			for _, ev := range events[:n] {
				if c := p.conns[ev.Fd]; c != nil {
					// kickResume only flags and CASes: cheap under the lock.
					c.kickResume(kickData, uint32(ev.Pad))
				}
			}
			p.mu.Unlock()
		}
	})
}
