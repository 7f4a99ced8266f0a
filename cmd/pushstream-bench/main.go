//go:build linux

// Command pushstream-bench is a load generator for push-stream compatible
// servers (pushstream, nginx-push-stream-module, Nchan with a matching
// config). See internal/bench and the usage text below.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/pushstream/pushstream/internal/bench"
)

const usage = `usage: pushstream-bench SCENARIO [flags]

scenarios:
  idle      N subscribers over C channels; server RSS per subscriber (-pid/-pidfile),
            then one message per channel and the time until every subscriber had it
  fanout    S subscribers on one channel, M messages of B bytes from P publishers:
            deliveries/s, publish->deliver latency, exact loss/dup/reorder check
  channels  C channels x 2 subscribers, round-robin publishes: publishes/s, deliveries/s
  pubonly   publish requests/s with no subscriber, P keep-alive publishers
  connect   new subscribers per second (dial + first response byte / ws 101), then reset

Pin the load and the server to different CPUs: -cpu 1 -server-cpu 0 -pid PID
(or: taskset -c 1 pushstream-bench ...; taskset -a -c -p 0 PID).
Exit status: 0 when the run was clean, 1 on loss/errors, 2 on bad usage.

flags:
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, usage)
		newFlags(stderr, &bench.Options{}, &cliOnly{}).PrintDefaults()
		return 2
	}
	scenario := args[0]
	var o bench.Options
	var c cliOnly
	fs := newFlags(stderr, &o, &c)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	mode, err := bench.ParseMode(c.mode)
	if err != nil {
		fmt.Fprintln(stderr, "pushstream-bench:", err)
		return 2
	}
	o.Mode = mode
	if c.pidfile != "" {
		if o.PID, err = bench.ReadPIDFile(c.pidfile); err != nil {
			fmt.Fprintln(stderr, "pushstream-bench:", err)
			return 2
		}
	}
	if c.serverCPU != "" {
		cpus, err := bench.ParseCPUList(c.serverCPU)
		if err == nil && o.PID <= 0 {
			err = fmt.Errorf("-server-cpu needs -pid or -pidfile")
		}
		if err == nil {
			err = bench.Pin(o.PID, cpus, o.Children)
		}
		if err != nil {
			fmt.Fprintln(stderr, "pushstream-bench:", err)
			return 2
		}
	}
	if c.cpu != "" {
		cpus, err := bench.ParseCPUList(c.cpu)
		if err == nil {
			err = bench.PinSelf(cpus)
		}
		if err != nil {
			fmt.Fprintln(stderr, "pushstream-bench:", err)
			return 2
		}
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(stderr, "pushstream-bench: cpu profile:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(scenario, o)
	if err != nil {
		fmt.Fprintln(stderr, "pushstream-bench:", err)
		if res == nil {
			return 2
		}
		res.FirstError = err.Error()
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(stderr, "pushstream-bench:", err)
			return 1
		}
	} else {
		fmt.Fprint(stdout, res.Text())
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// cliOnly holds flags that are not scenario options.
type cliOnly struct {
	mode, pidfile, cpu, serverCPU string
	cpuProfile                    string
	json                          bool
}

func newFlags(out io.Writer, o *bench.Options, c *cliOnly) *flag.FlagSet {
	fs := flag.NewFlagSet("pushstream-bench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:9080", "server base URL; a comma-separated list spreads subscribers and publishers round-robin over several nodes")
	fs.StringVar(&c.mode, "mode", "ws", "subscriber mode: ws, sse, stream, long-poll")
	fs.IntVar(&o.Subs, "n", 0, "subscribers (idle, fanout) or connections (connect); default per scenario")
	fs.IntVar(&o.Subs, "subs", 0, "same as -n")
	fs.IntVar(&o.Channels, "channels", 0, "channels; default per scenario")
	fs.IntVar(&o.Messages, "messages", 0, "messages in total (channels: spread over the channels); default per scenario")
	fs.IntVar(&o.Size, "size", 100, "message body bytes")
	fs.IntVar(&o.Publishers, "publishers", 0, "keep-alive publishers (connect: workers); default per scenario")
	fs.Float64Var(&o.Rate, "rate", 0, "total publishes per second (0: as fast as possible)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "upper bound of any publish or connect loop")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "upper bound of each wait (dial, readiness, deliveries)")
	fs.DurationVar(&o.Settle, "settle", time.Second, "idle: pause before reading the server RSS")
	fs.IntVar(&o.PID, "pid", 0, "server pid for RSS (idle, pubonly) and -server-cpu")
	fs.StringVar(&c.pidfile, "pidfile", "", "read the server pid from this file")
	fs.BoolVar(&o.Children, "children", false, "include every descendant process of -pid (nginx workers)")
	fs.StringVar(&o.Prefix, "prefix", "", "channel name prefix (default: unique per run)")
	fs.StringVar(&o.PubPath, "pub", "/pub?id=", "publisher path; the channel id is appended")
	fs.StringVar(&o.SubPath, "sub", "/sub/", "streaming path prefix")
	fs.StringVar(&o.EvPath, "ev", "/ev/", "eventsource path prefix")
	fs.StringVar(&o.LPPath, "lp", "/lp/", "long-polling path prefix")
	fs.StringVar(&o.WSPath, "ws", "/ws/", "websocket path prefix")
	fs.IntVar(&o.ReadBuf, "readbuf", 16384, "bytes per subscriber read (one buffer per event loop); also the largest response head")
	fs.DurationVar(&o.Spin, "spin", 0, "event loops poll this long without sleeping before waiting in epoll_wait (default: 50µs for pubonly, else never; negative: never); on loopback a sleeping reader makes each server write pay a cross-CPU wake-up")
	fs.IntVar(&o.Loops, "loops", 0, "subscriber event loops (default: GOMAXPROCS, 1 with -cpu N)")
	fs.BoolVar(&o.DelayedAck, "delayed-ack", false, "subscribers turn TCP quick-ack off (fewer ACKs; cheaper reads on loopback)")
	fs.BoolVar(&c.json, "json", false, "print one JSON object instead of the summary")
	fs.StringVar(&c.cpu, "cpu", "", "pin this load process to these CPUs (e.g. 1 or 0-1)")
	fs.StringVar(&c.serverCPU, "server-cpu", "", "pin the server (-pid, with -children its descendants) to these CPUs")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write this tool's CPU profile to the file (is the load generator the bottleneck?)")
	return fs
}
