//go:build linux

package bench

import (
	"sync/atomic"
	"syscall"
	"time"
)

// idlePollNs is the time the event loops spent polling without finding
// anything (see waitEvents), so the CPU report can tell it from work.
var idlePollNs atomic.Int64

// waitEvents is epoll_wait that first polls without sleeping for up to
// spin. On loopback, a reader asleep in epoll_wait makes every server write
// pay for waking it on the other CPU (a cross-CPU interrupt, dear in a VM),
// and the tool adds its own wake-up latency to every round trip; a client
// across a network costs the server nothing of the kind. Polling through
// short gaps keeps the comparison about the server. ms < 0 waits without
// limit, 0 does not wait.
func waitEvents(epfd int, events []syscall.EpollEvent, ms int, spin time.Duration) (int, error) {
	if spin > 0 && ms != 0 {
		start := time.Now()
		for {
			n, err := syscall.EpollWait(epfd, events, 0)
			if n != 0 || err != nil {
				idlePollNs.Add(int64(time.Since(start)))
				return n, err
			}
			if d := time.Since(start); d >= spin {
				idlePollNs.Add(int64(d))
				break
			}
		}
	}
	return syscall.EpollWait(epfd, events, ms)
}
