package server

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/pushstream/pushstream/internal/config"
)

// SendSignal implements `pushstream -c FILE -s stop|quit|reload|reopen`: it
// reads the pid file of the configuration and signals that process.
func SendSignal(cfg *config.Config, name string) error {
	sig, ok := map[string]syscall.Signal{
		"stop":   syscall.SIGTERM,
		"quit":   syscall.SIGQUIT,
		"reload": syscall.SIGHUP,
		"reopen": syscall.SIGUSR1,
	}[name]
	if !ok {
		return fmt.Errorf("invalid option: \"-s %s\"", name)
	}
	if cfg.PidFile == "" {
		return fmt.Errorf("no pid file in the configuration")
	}
	b, err := os.ReadFile(cfg.PidFile)
	if err != nil {
		return fmt.Errorf("open() %q failed: %w", cfg.PidFile, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("invalid PID number %q in %q", strings.TrimSpace(string(b)), cfg.PidFile)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		return fmt.Errorf("kill(%d, %v) failed: %w", pid, sig, err)
	}
	return nil
}
