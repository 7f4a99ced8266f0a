//go:build linux

package bench

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// runConnect opens subscribers as fast as o.Publishers workers can, each
// timed from dial to the first response byte (WebSocket: the complete 101
// head), then closes it with a reset so no TIME_WAIT piles up.
func runConnect(o *Options, res *Result) error {
	res.Mode = o.Mode.String()
	r := newRun(o.Publishers)
	var next, okCount, errCount atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	cpu := startCPU(o)
	start := time.Now()
	stopAt := start.Add(o.Duration)
	for w := 0; w < o.Publishers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSubscriber(o, r, w, 0, nil)
			buf := make([]byte, o.ReadBuf)
			hist := r.hists.Shard(w)
			for time.Now().Before(stopAt) {
				i := int(next.Add(1) - 1)
				if i >= o.Subs {
					return
				}
				s.path = o.subPath(o.channel(i % o.Channels))
				t0 := time.Now()
				if err := s.connectOnce(buf); err != nil {
					errCount.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				hist.Record(int64(time.Since(t0)))
				okCount.Add(1)
			}
		}()
	}
	wg.Wait()
	cpu.fill(o, res)
	elapsed := time.Since(start).Seconds()
	res.Subscribers = int(okCount.Load())
	res.Connects, res.ConnectErrors = okCount.Load(), errCount.Load()
	if elapsed > 0 {
		res.ConnectsPerSec = float64(res.Connects) / elapsed
	}
	l := r.hists.Summary()
	res.ConnectLatency = &l
	res.setErr(firstErr)
	return nil
}

// connectOnce dials, subscribes, waits for the first answer byte and resets
// the connection.
func (s *subscriber) connectOnce(buf []byte) error {
	c, err := net.DialTimeout("tcp", s.host, s.o.Timeout)
	if err != nil {
		return fmt.Errorf("connect: dial: %w", err)
	}
	defer func() {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	}()
	c.SetDeadline(time.Now().Add(s.o.Timeout))
	if _, err := c.Write(s.request()); err != nil {
		return fmt.Errorf("connect %s: write request: %w", s.path, err)
	}
	n := 0
	for {
		m, err := c.Read(buf[n:])
		n += m
		if s.o.Mode != ModeWS && n > 0 {
			return nil
		}
		if end := bytes.Index(buf[:n], crlfcrlf); end >= 0 {
			if err := parseHead(buf[:end+4], &s.head); err != nil {
				return fmt.Errorf("connect %s: %w", s.path, err)
			}
			if s.head.status != 101 {
				return fmt.Errorf("connect %s: HTTP status %d, want 101", s.path, s.head.status)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("connect %s: read: %w", s.path, err)
		}
		if n == len(buf) {
			return fmt.Errorf("connect %s: %w", s.path, errHeadTooLarge)
		}
	}
}
