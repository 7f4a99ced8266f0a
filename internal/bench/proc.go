//go:build linux

package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// ReadPIDFile reads a pid file such as nginx.pid.
func ReadPIDFile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: bad pid %q", path, bytes.TrimSpace(b))
	}
	return pid, nil
}

// RSS returns the resident set size in bytes of pid, plus that of all its
// descendants when children is set (nginx master + workers).
func RSS(pid int, children bool) (int64, error) {
	pids := []int{pid}
	if children {
		pids = append(pids, descendants(pid)...)
	}
	var total int64
	for _, p := range pids {
		kb, err := vmRSS(p)
		if err != nil {
			return 0, err
		}
		total += kb * 1024
	}
	return total, nil
}

func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read server memory: %w", err)
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, err := strconv.ParseInt(string(f[0]), 10, 64)
				if err == nil {
					return n, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS line", pid)
}

// descendants lists every process whose ancestry leads to pid.
func descendants(pid int) []int {
	parent := map[int]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 {
			continue
		}
		p, err1 := strconv.Atoi(string(b[:bytes.IndexByte(b, ' ')]))
		pp, err2 := strconv.Atoi(string(f[1]))
		if err1 == nil && err2 == nil {
			parent[p] = pp
		}
	}
	var out []int
	for p := range parent {
		for a := parent[p]; a > 1; a = parent[a] {
			if a == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// ParseCPUList parses "1", "0,2" or "0-3".
func ParseCPUList(s string) ([]int, error) {
	var cpus []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 || a >= 1024 {
			return nil, fmt.Errorf("cpu list %q: bad cpu %q", s, lo)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b >= 1024 {
				return nil, fmt.Errorf("cpu list %q: bad range %q", s, part)
			}
		}
		for c := a; c <= b; c++ {
			cpus = append(cpus, c)
		}
	}
	return cpus, nil
}

// Pin sets the CPU affinity of every thread of pid (and of its descendants
// when children is set), like taskset -a -p. Threads created later inherit
// it from their creator. It uses the raw syscall so no dependency is needed.
func Pin(pid int, cpus []int, children bool) error {
	var mask [16]uint64
	for _, c := range cpus {
		mask[c/64] |= 1 << (c % 64)
	}
	pids := []int{pid}
	if children {
		pids = append(pids, descendants(pid)...)
	}
	for _, p := range pids {
		tasks, err := os.ReadDir("/proc/" + strconv.Itoa(p) + "/task")
		if err != nil {
			return fmt.Errorf("pin pid %d: %w", p, err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			_, _, e := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid),
				unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask)))
			if e != 0 && e != syscall.ESRCH { // a thread may exit meanwhile
				return fmt.Errorf("pin pid %d thread %d: %w", p, tid, e)
			}
		}
	}
	return nil
}

// PinSelf pins this process to cpus and sizes GOMAXPROCS to match.
func PinSelf(cpus []int) error {
	if err := Pin(os.Getpid(), cpus, false); err != nil {
		return err
	}
	runtime.GOMAXPROCS(len(cpus))
	return nil
}
