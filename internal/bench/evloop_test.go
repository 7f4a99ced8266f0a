//go:build linux

package bench

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConsumeByteAtATime feeds long-polling answers one byte per read: heads
// split anywhere, a Content-Length body, a 304 and a chunked body, each
// answer chaining the next request on the same socket.
func TestConsumeByteAtATime(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	o := &Options{Mode: ModeLongPoll, ReadBuf: 1024}
	o.Defaults("fanout")
	r := newRun(1)
	s := newSubscriber(o, r, 0, 0, NewChecker(1, 10))
	s.fd, s.inHead = fds[0], true
	body1 := string(AppendPayload(nil, 0, 1, 1, 20))
	body2 := string(AppendPayload(nil, 0, 2, 1, 20))
	in := "HTTP/1.1 200 OK\r\nEtag: 1\r\nContent-Length: " + fmt.Sprint(len(body1)) + "\r\n\r\n" + body1 +
		"HTTP/1.1 304 Not Modified\r\nEtag: 1\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nEtag: 2\r\nTransfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(body2), body2)
	for i := 0; i < len(in); i++ {
		if done, err := s.consume([]byte{in[i]}); done || err != nil {
			t.Fatalf("byte %d: done=%v err=%v", i, done, err)
		}
	}
	if got := r.delivered.Load(); got != 2 {
		t.Fatalf("delivered %d, want 2", got)
	}
	buf := make([]byte, 4096)
	n, _ := syscall.Read(fds[1], buf)
	reqs := strings.Split(string(buf[:n]), "GET ")
	if len(reqs) != 4 || !strings.Contains(reqs[3], "If-None-Match: 2\r\n") || !strings.Contains(reqs[2], "If-None-Match: 1\r\n") {
		t.Fatalf("chained requests: %q", buf[:n])
	}
}

// TestLongPollRedial: a server that closes every long-poll answer gets each
// next request on a new connection, read by the same event loop.
func TestLongPollRedial(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const answers = 3
	held := make(chan net.Conn, 1)
	defer func() {
		select {
		case c := <-held:
			c.Close()
		default:
		}
	}()
	go func() {
		for seq := 1; seq <= answers+1; seq++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				c.Close()
				return
			}
			if seq > answers {
				held <- c // the last request waits until the test ends
				return
			}
			body := AppendPayload(nil, 0, int64(seq), time.Now().UnixNano(), 30)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			c.Close()
		}
	}()
	o := Options{URL: "http://" + ln.Addr().String(), Mode: ModeLongPoll, Loops: 1}
	o.Defaults("fanout")
	if err := o.resolve(); err != nil {
		t.Fatal(err)
	}
	r := newRun(1)
	f, err := startFleet(&o, r, 1, func(int) int { return 0 }, 1, answers)
	if err != nil {
		t.Fatal(err)
	}
	ok := waitFor(func() bool { return r.delivered.Load() == answers || r.errors.Load() > 0 }, time.Now().Add(5*time.Second))
	f.stop()
	if !ok || r.errors.Load() > 0 {
		t.Fatalf("delivered %d of %d, error %v", r.delivered.Load(), answers, f.firstError())
	}
	if c := f.check([][]int64{{answers}}); c.Lost != 0 || c.Duplicate != 0 || c.Reordered != 0 {
		t.Fatalf("check %+v", c)
	}
}

// TestConsumeDoesNotAllocate: a delivery through the whole subscriber path
// (de-framing, payload scan, check, latency record) allocates nothing.
func TestConsumeDoesNotAllocate(t *testing.T) {
	o := &Options{Mode: ModeWS}
	o.Defaults("fanout")
	r := newRun(1)
	const rounds = 100
	s := newSubscriber(o, r, 0, 0, NewChecker(1, rounds+1))
	s.inHead = true
	if done, err := s.consume([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")); done || err != nil {
		t.Fatalf("head: done=%v err=%v", done, err)
	}
	frames := make([][]byte, rounds+1)
	for i := range frames {
		frames[i] = []byte(frame(1, `{"text":"`+string(AppendPayload(nil, 0, int64(i+1), 1, 100))+`"}`, nil))
	}
	i := 0
	allocs := testing.AllocsPerRun(rounds, func() {
		s.consume(frames[i])
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per delivery", allocs)
	}
	if got := r.delivered.Load(); got != int64(i) {
		t.Errorf("delivered %d of %d", got, i)
	}
}
