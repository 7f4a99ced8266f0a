//go:build linux

package bench

import (
	"fmt"
	"syscall"
	"time"
)

// pubRun is the outcome of a publishing phase.
type pubRun struct {
	counts   [][]int64 // successful publishes [channel][publisher]: the last seq used
	errors   int64
	firstErr error
	start    time.Time
	end      time.Time
	rtt      Hists
}

func (p *pubRun) total() int64 {
	var t int64
	for _, ch := range p.counts {
		for _, n := range ch {
			t += n
		}
	}
	return t
}

// maxConsecutiveErrors stops a publisher that only gets errors.
const maxConsecutiveErrors = 100

// pubSlot is one publisher of publishAll and where it is in its quota.
type pubSlot struct {
	p        *publisher
	id       int      // publisher number: the payload's publisher field
	chs      []int    // channels, round-robin
	names    []string // their names
	quota    int
	k        int // requests done (successful or failed)
	ch, seq  int64
	inflight bool
	retried  bool
	t0       time.Time // when the request in flight was sent
	deadline time.Time
	hist     *Histogram
	errs     int64
	consec   int64
	firstErr error
	finished bool
}

// publishAll runs o.Publishers keep-alive publishers from one epoll loop.
// Publisher p sends quota(p) messages round-robin over chans(p), paced to
// o.Rate in total, and stops at o.Duration. Sequence numbers are per
// (channel, publisher) and advance only on success, so the subscribers'
// expectation is exact.
func publishAll(o *Options, quota func(p int) int, chans func(p int) []int) *pubRun {
	pr := &pubRun{counts: make([][]int64, o.Channels), rtt: NewHists(o.Publishers)}
	for i := range pr.counts {
		pr.counts[i] = make([]int64, o.Publishers)
	}
	slots := make([]*pubSlot, o.Publishers)
	for i := range slots {
		s := &pubSlot{p: newPublisher(o), id: i, chs: chans(i), quota: quota(i), hist: pr.rtt.Shard(i)}
		s.p.host = o.hostFor(i)
		for _, ch := range s.chs {
			s.names = append(s.names, o.channel(ch))
		}
		s.finished = len(s.chs) == 0 || s.quota <= 0
		slots[i] = s
	}
	pr.start = time.Now()
	err := runPublishLoop(o, pr, slots)
	pr.end = time.Now()
	for _, s := range slots {
		s.p.close()
		pr.errors += s.errs
		if pr.firstErr == nil && s.firstErr != nil {
			pr.firstErr = fmt.Errorf("publisher %d: %w", s.id, s.firstErr)
		}
	}
	if err != nil && pr.firstErr == nil {
		pr.firstErr = err
	}
	return pr
}

// runPublishLoop keeps every publisher's one request in flight: send when
// due, one read per readable socket, next request on a complete answer.
func runPublishLoop(o *Options, pr *pubRun, slots []*pubSlot) error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("epoll: %w", err)
	}
	defer syscall.Close(epfd)
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(o.Publishers) / o.Rate * float64(time.Second))
	}
	stopAt := pr.start.Add(o.Duration)
	buf := make([]byte, 4096)
	events := make([]syscall.EpollEvent, len(slots))
	for {
		now := time.Now()
		wake := now.Add(time.Second) // when the loop must look again
		active := false
		for _, s := range slots {
			if s.finished {
				continue
			}
			if s.inflight {
				if now.After(s.deadline) {
					s.fail(errAnswerTimeout)
				} else {
					active = true
					wake = minTime(wake, s.deadline)
					continue
				}
			}
			if s.k >= s.quota || now.After(stopAt) || s.consec >= maxConsecutiveErrors {
				s.finished = true
				continue
			}
			active = true
			if interval > 0 {
				if due := pr.start.Add(time.Duration(s.k) * interval); due.After(now) {
					wake = minTime(wake, due)
					continue
				}
			}
			s.start(pr, epfd, now)
			if s.inflight {
				wake = minTime(wake, s.deadline)
			}
		}
		if !active {
			return nil
		}
		// Rounded up: waking early would spin until the due time.
		ms := int((time.Until(wake) + time.Millisecond - 1) / time.Millisecond)
		if ms < 0 {
			ms = 0
		}
		n, err := waitEvents(epfd, events, ms, o.Spin)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("epoll wait: %w", err)
		}
		for _, ev := range events[:n] {
			s := slots[ev.Fd]
			if s.p.fd < 0 {
				continue
			}
			if !s.inflight {
				s.p.close() // readable while idle: the server closed it (or misbehaves)
				continue
			}
			done, err := s.p.readOnce(buf)
			switch {
			case done:
				s.complete(pr, err)
			case err != nil:
				s.lost(pr, epfd, err)
			}
		}
	}
}

// start sends the next request (a new one, or again after a retry).
func (s *pubSlot) start(pr *pubRun, epfd int, now time.Time) {
	if !s.retried {
		ci := s.k % len(s.chs)
		s.ch = int64(s.chs[ci])
		s.seq = pr.counts[s.ch][s.id] + 1
		s.p.prepare(s.names[ci], int64(s.id), s.seq)
	}
	wasConnected := s.p.fd >= 0
	if err := s.p.send(); err != nil {
		retry := wasConnected && !s.retried // the server closed the idle keep-alive connection
		s.p.close()
		if retry {
			s.retried = true
			s.start(pr, epfd, now)
			return
		}
		s.fail(err)
		return
	}
	if !wasConnected {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(s.id)}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, s.p.fd, &ev); err != nil {
			s.p.close()
			s.fail(fmt.Errorf("epoll add: %w", err))
			return
		}
	}
	s.inflight, s.t0, s.deadline = true, now, now.Add(s.p.o.Timeout)
}

// complete ends a request with its answer's outcome.
func (s *pubSlot) complete(pr *pubRun, err error) {
	if err != nil {
		s.fail(err)
		return
	}
	s.inflight, s.retried = false, false
	s.consec = 0
	pr.counts[s.ch][s.id] = s.seq
	s.hist.Record(int64(time.Since(s.t0)))
	s.k++
}

// lost handles a connection that failed with the request in flight: sent
// again once on a new connection when the old keep-alive one was closed
// before answering, else an error.
func (s *pubSlot) lost(pr *pubRun, epfd int, err error) {
	retry := s.p.retryable(err) && !s.retried
	s.p.close()
	if !retry {
		s.fail(err)
		return
	}
	s.retried, s.inflight = true, false
	s.start(pr, epfd, time.Now())
}

// fail counts a failed request and moves on to the next.
func (s *pubSlot) fail(err error) {
	if s.inflight && s.p.fd >= 0 && err == errAnswerTimeout {
		s.p.close()
	}
	s.inflight, s.retried = false, false
	s.errs++
	s.consec++
	if s.firstErr == nil {
		s.firstErr = err
	}
	s.k++
}

// split divides total into n nearly equal parts.
func split(total, n, i int) int {
	q := total / n
	if i < total%n {
		q++
	}
	return q
}
