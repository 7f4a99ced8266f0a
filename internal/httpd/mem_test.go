package httpd

import (
	"bufio"
	"net"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestIdleConnMemory measures heap+stack per idle subscriber parked in Park
// (server side; the client sockets live in the same process, so their cost
// is measured separately with a listener that only accepts and subtracted).
func TestIdleConnMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory measurement")
	}
	const n = 400
	var parked atomic.Int64
	_, addr := startServer(t, func(w *Response, r *http.Request) {
		_ = w.StartChunked(200, "text/plain")
		_ = w.WritePiece([]byte("H"))
		for {
			parked.Add(1)
			ev, _ := w.Park(timeZero)
			parked.Add(-1)
			if ev == EventClosed || ev == EventWake {
				return
			}
		}
	})

	// Cost of a client socket plus an accepted socket without any goroutine.
	dummy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dummy.Close()
	var held []net.Conn
	accepted := make(chan net.Conn, n)
	go func() {
		for {
			c, err := dummy.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	before := memInUse()
	for range n {
		held = append(held, dial(t, dummy.Addr().String()), <-accepted)
	}
	pairCost := float64(memInUse()-before) / n
	for _, c := range held {
		c.Close()
	}
	held = nil

	before = memInUse()
	stack0 := stackInUse()
	conns := make([]net.Conn, 0, n)
	for range n {
		c := dial(t, addr)
		send(t, c, "GET /sub HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReaderSize(c, 16)
		readHead(t, br)
		readN(t, br, len("1\r\nH\r\n"))
		conns = append(conns, c)
	}
	waitFor(t, "all parked", func() bool { return parked.Load() == n })
	stackBefore := stackInUse()
	total := float64(memInUse()-before) / n
	server := total - pairCost/2
	t.Logf("per idle parked connection: total %.0f B (client+server), socket pair without server %.0f B, "+
		"server side ≈ %.0f B of which goroutine stack %.0f B", total, pairCost, server, float64(stackBefore-stack0)/n)
	runtime.KeepAlive(conns)
}

func memInUse() int64 {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse + ms.StackInuse)
}

func stackInUse() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.StackInuse)
}
