package brokertest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RedisServer is a redis-server process started for a test.
type RedisServer struct {
	Addr string
	Port int
	Dir  string
	cmd  *exec.Cmd
	args []string
	done chan struct{}
}

// NeedRedis skips t when redis-server is missing, unless
// PUSHSTREAM_REQUIRE_REDIS is set (CI), where it fails instead.
func NeedRedis(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("PUSHSTREAM_REQUIRE_REDIS") != "" {
			t.Fatalf("redis-server not found and PUSHSTREAM_REQUIRE_REDIS is set: %v", err)
		}
		t.Skip("redis-server not installed (set PUSHSTREAM_REQUIRE_REDIS=1 to make this a failure)")
	}
}

// FreePort returns a free 127.0.0.1 port.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartRedis starts a throw-away redis-server on a free loopback port; it
// is stopped by PID when the test ends.
func StartRedis(t testing.TB, extra ...string) *RedisServer {
	t.Helper()
	NeedRedis(t)
	r := &RedisServer{Dir: t.TempDir(), Port: FreePort(t)}
	r.Addr = "127.0.0.1:" + strconv.Itoa(r.Port)
	r.args = append([]string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.Dir, "--protected-mode", "no"}, extra...)
	t.Cleanup(r.Stop) // before Start: a failed start must not leak the process
	r.Start(t)
	return r
}

// StartSentinel starts a Sentinel (redis-server --sentinel) that monitors
// master under the name name, with a quorum of 1.
func StartSentinel(t testing.TB, name string, master *RedisServer) *RedisServer {
	t.Helper()
	NeedRedis(t)
	r := &RedisServer{Dir: t.TempDir(), Port: FreePort(t)}
	r.Addr = "127.0.0.1:" + strconv.Itoa(r.Port)
	conf := filepath.Join(r.Dir, "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nsentinel monitor %s 127.0.0.1 %d 1\n",
		r.Port, r.Dir, name, master.Port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatalf("sentinel config: %v", err)
	}
	r.args = []string{conf, "--sentinel"}
	t.Cleanup(r.Stop)
	r.Start(t)
	return r
}

// Start (re)starts the process with the same port and arguments.
func (r *RedisServer) Start(t testing.TB) {
	t.Helper()
	r.cmd = exec.Command("redis-server", r.args...)
	r.cmd.Dir = r.Dir
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	r.done = make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := r.ping(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer", r.Addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the process (by its PID) and waits for it.
func (r *RedisServer) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Kill()
	<-r.done
}

func (r *RedisServer) ping() error {
	out, err := r.Command("PING")
	if err != nil {
		return err
	}
	if out != "+PONG" && !strings.HasPrefix(out, "-NOAUTH") { // up, but wants a password
		return fmt.Errorf("ping: %q", out)
	}
	return nil
}

// Command sends one inline command and returns the first reply line.
func (r *RedisServer) Command(args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", r.Addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}

// URL is the push_stream_broker value for this server.
func (r *RedisServer) URL() string { return "redis://" + r.Addr + "/0" }

// StartCluster starts a 3-master Redis Cluster and returns its servers.
func StartCluster(t testing.TB) []*RedisServer {
	t.Helper()
	NeedRedis(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed")
	}
	var nodes []*RedisServer
	var addrs []string
	for i := 0; i < 3; i++ {
		n := StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		nodes = append(nodes, n)
		addrs = append(addrs, n.Addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-yes")
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok := true
		for _, n := range nodes {
			info, err := exec.Command("redis-cli", "-p", strconv.Itoa(n.Port), "cluster", "info").CombinedOutput()
			if err != nil || !strings.Contains(string(info), "cluster_state:ok") {
				ok = false
			}
		}
		if ok {
			return nodes
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok after 15s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ClusterURL is the push_stream_broker value for a cluster.
func ClusterURL(nodes []*RedisServer) string {
	addrs := make([]string, len(nodes))
	for i, n := range nodes {
		addrs[i] = n.Addr
	}
	return "redis-cluster://" + strings.Join(addrs, ",")
}
