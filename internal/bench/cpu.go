//go:build linux

package bench

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// cpuMeter reports how busy the load process and the server were during a
// scenario, so a reader can tell which side was the bottleneck.
type cpuMeter struct {
	start  time.Time
	self   time.Duration
	server time.Duration
	idle   int64 // idlePollNs at the start
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is utime+stime of pid (and descendants) from /proc; the kernel
// reports it in USER_HZ ticks, 100 per second on Linux.
func procCPU(pid int, children bool) time.Duration {
	if pid <= 0 {
		return 0
	}
	pids := []int{pid}
	if children {
		pids = append(pids, descendants(pid)...)
	}
	var ticks int64
	for _, p := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:]) // f[0] is field 3 (state); utime is 14, stime 15
		if len(f) > 12 {
			u, _ := strconv.ParseInt(string(f[11]), 10, 64)
			s, _ := strconv.ParseInt(string(f[12]), 10, 64)
			ticks += u + s
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

func startCPU(o *Options) cpuMeter {
	return cpuMeter{start: time.Now(), self: selfCPU(), server: procCPU(o.PID, o.Children), idle: idlePollNs.Load()}
}

// fill sets the CPU use in percent of one core over the elapsed time.
func (m cpuMeter) fill(o *Options, r *Result) {
	wall := time.Since(m.start)
	if wall <= 0 {
		return
	}
	r.LoadCPUPercent = 100 * float64(selfCPU()-m.self) / float64(wall)
	r.LoadIdlePollPercent = 100 * float64(idlePollNs.Load()-m.idle) / float64(wall)
	if o.PID > 0 {
		r.ServerCPUPercent = 100 * float64(procCPU(o.PID, o.Children)-m.server) / float64(wall)
	}
}
