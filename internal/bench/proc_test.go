//go:build linux

package bench

import (
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseCPUList(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		bad  bool
	}{
		{"1", []int{1}, false},
		{"0,2", []int{0, 2}, false},
		{"0-3", []int{0, 1, 2, 3}, false},
		{"0-1, 5", []int{0, 1, 5}, false},
		{"", nil, true},
		{"x", nil, true},
		{"3-1", nil, true},
		{"-1", nil, true},
		{"4096", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseCPUList(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("ParseCPUList(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestRSSAndDescendants(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	self := os.Getpid()
	if !slices.Contains(descendants(self), cmd.Process.Pid) {
		t.Errorf("descendants(%d) misses child %d", self, cmd.Process.Pid)
	}
	alone, err := RSS(self, false)
	if err != nil || alone <= 0 {
		t.Fatalf("RSS(self) = %d, %v", alone, err)
	}
	withChild, err := RSS(self, true)
	if err != nil || withChild <= alone {
		t.Errorf("RSS with children %d, alone %d, err %v", withChild, alone, err)
	}
	if _, err := RSS(1<<30, false); err == nil {
		t.Error("RSS of a missing pid succeeded")
	}
}

func TestPinToCurrentCPUs(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	var list string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			list = strings.TrimSpace(v)
		}
	}
	cpus, err := ParseCPUList(list)
	if err != nil {
		t.Skipf("Cpus_allowed_list %q: %v", list, err)
	}
	// Pinning to the CPUs we already have changes nothing but runs the syscall on every thread.
	if err := Pin(os.Getpid(), cpus, false); err != nil {
		t.Fatal(err)
	}
	if procCPU(os.Getpid(), false) < 0 || selfCPU() <= 0 {
		t.Error("CPU accounting not readable")
	}
}

func TestReadPIDFile(t *testing.T) {
	dir := t.TempDir()
	good, bad := dir+"/good.pid", dir+"/bad.pid"
	os.WriteFile(good, []byte("1234\n"), 0o600)
	os.WriteFile(bad, []byte("nginx"), 0o600)
	if pid, err := ReadPIDFile(good); pid != 1234 || err != nil {
		t.Errorf("good: %d %v", pid, err)
	}
	for _, p := range []string{bad, dir + "/missing"} {
		if _, err := ReadPIDFile(p); err == nil {
			t.Errorf("%s accepted", p)
		}
	}
}
