// Command pushstream is an HTTP push (comet) pub/sub server that speaks the
// nginx-push-stream-module protocol and reads its nginx.conf directives.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/pushstream/pushstream/internal/config"
	"github.com/pushstream/pushstream/internal/server"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("pushstream", flag.ContinueOnError)
	confPath := fs.String("c", "", "configuration file (nginx.conf syntax); empty = the embedded default")
	test := fs.Bool("t", false, "check the configuration and exit")
	signal := fs.String("s", "", "send a signal to the running server: stop, quit, reload, reopen")
	printDefault := fs.Bool("print-default-config", false, "print the embedded default configuration and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *printDefault {
		os.Stdout.Write(config.DefaultText)
		return 0
	}
	cfg, err := server.LoadConfig(*confPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pushstream: [emerg] %v\n", err)
		logConfigError(*confPath, err)
		if *test {
			fmt.Fprintf(os.Stderr, "pushstream: configuration file %s test failed\n", displayName(*confPath))
		}
		return 1
	}
	if *test {
		for _, n := range cfg.Notices {
			fmt.Fprintf(os.Stderr, "pushstream: [notice] %s\n", n)
		}
		fmt.Fprintf(os.Stderr, "pushstream: the configuration file %s syntax is ok\n", displayName(*confPath))
		fmt.Fprintf(os.Stderr, "pushstream: configuration file %s test is successful\n", displayName(*confPath))
		return 0
	}
	if *signal != "" {
		if err := server.SendSignal(cfg, *signal); err != nil {
			fmt.Fprintf(os.Stderr, "pushstream: [error] %v\n", err)
			return 1
		}
		return 0
	}
	if p := os.Getenv("PUSHSTREAM_CPUPROFILE"); p != "" {
		// Profiling hook for performance work: the profile covers the whole run.
		f, err := os.Create(p)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if p := os.Getenv("PUSHSTREAM_MEMPROFILE"); p != "" {
		// Allocation profile of the whole run, written at exit
		// (go tool pprof -sample_index=alloc_objects).
		runtime.MemProfileRate = 4096
		defer func() {
			if f, err := os.Create(p); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if err := server.Run(cfg, *confPath); err != nil {
		fmt.Fprintf(os.Stderr, "pushstream: [emerg] %v\n", err)
		return 1
	}
	return 0
}

func displayName(p string) string {
	if p == "" {
		return "(embedded default)"
	}
	return p
}
