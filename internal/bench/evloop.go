//go:build linux

package bench

import (
	"fmt"
	"sync/atomic"
	"syscall"
	"time"
)

// evloop reads many subscriber sockets from one goroutine: a level-triggered
// epoll set, exactly one read per ready socket into one shared buffer, and
// parsing in place. Compared with a goroutine per subscriber on Go's
// netpoller it saves a goroutine wake-up per delivery and the read that
// only returns EAGAIN before every wait, so the tool stays well below the
// server's cost per delivery.
type evloop struct {
	epfd     int
	wake     [2]int // pipe; a byte written to wake[1] ends the loop
	subs     []*subscriber
	buf      []byte
	events   []syscall.EpollEvent
	spin     time.Duration // see waitEvents
	stopping atomic.Bool
	done     chan struct{}
}

// wakeSlot marks the stop pipe in epoll event data; subscribers use their
// index in subs.
const wakeSlot = -1

func newEvloop(readBuf int, spin time.Duration) (*evloop, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	l := &evloop{epfd: epfd, spin: spin, buf: make([]byte, readBuf), events: make([]syscall.EpollEvent, 256), done: make(chan struct{})}
	if err := syscall.Pipe2(l.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return nil, fmt.Errorf("pipe: %w", err)
	}
	if err := l.watch(l.wake[0], wakeSlot); err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

func (l *evloop) watch(fd int, slot int32) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: slot}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// add hands a dialled subscriber to the loop; only before start.
func (l *evloop) add(s *subscriber) error {
	s.loop, s.slot = l, int32(len(l.subs))
	l.subs = append(l.subs, s)
	return l.watch(s.fd, s.slot)
}

func (l *evloop) start() { go l.run() }

// stop ends the loop, which closes every socket; afterwards the
// subscribers' results may be read.
func (l *evloop) stop() {
	if !l.stopping.Swap(true) {
		syscall.Write(l.wake[1], []byte{1})
	}
	<-l.done
}

func (l *evloop) run() {
	defer close(l.done)
	defer l.closeFDs()
	for {
		n, err := waitEvents(l.epfd, l.events, -1, l.spin)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			l.failAll(fmt.Errorf("epoll wait: %w", err))
			return
		}
		for _, ev := range l.events[:n] {
			if ev.Fd == wakeSlot {
				return
			}
			l.readOne(l.subs[ev.Fd])
		}
	}
}

// readOne does one read on a ready socket; level triggering reports the
// socket again if more is waiting.
func (l *evloop) readOne(s *subscriber) {
	if s.fd < 0 {
		return // ended earlier in this batch
	}
	n, err := readRaw(s.fd, l.buf)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return // a stale event for a socket replaced in this batch
	case err != nil:
		l.end(s, fmt.Errorf("subscribe %s: read: %w", s.path, err))
		return
	case n == 0:
		l.end(s, fmt.Errorf("subscribe %s: %w", s.path, errClosedByServer))
		return
	}
	if s.o.DelayedAck {
		setQuickAck(s.fd, false) // the kernel re-enters quick-ack mode on its own
	}
	s.now = time.Now().UnixNano()
	done, err := s.consume(l.buf[:n])
	if done || err != nil {
		l.end(s, err)
	}
}

// end closes a subscriber's socket (which also leaves the epoll set) and
// counts its error unless the loop is stopping.
func (l *evloop) end(s *subscriber, err error) {
	syscall.Close(s.fd)
	s.fd = -1
	if err != nil && !l.stopping.Load() {
		s.err = err
		s.r.errors.Add(1)
	}
}

func (l *evloop) failAll(err error) {
	for _, s := range l.subs {
		if s.fd >= 0 {
			l.end(s, err)
		}
	}
}

func (l *evloop) closeFDs() {
	for _, s := range l.subs {
		if s.fd >= 0 {
			syscall.Close(s.fd)
			s.fd = -1
		}
	}
	syscall.Close(l.wake[0])
	syscall.Close(l.wake[1])
	syscall.Close(l.epfd)
}

// redial replaces the subscriber's socket (the server closed the previous
// long-poll connection) and sends the next request on the new one.
func (s *subscriber) redial() error {
	syscall.Close(s.fd)
	s.fd = -1
	if err := s.dial(); err != nil {
		return err
	}
	return s.loop.watch(s.fd, s.slot)
}
