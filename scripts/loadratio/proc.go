package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a child process: a server (ticketbot serve, loadratio bare) or a generator.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string // its stderr (and, for servers, stdout) go here
	done chan struct{}
	err  error // Wait's, once done is closed
}

// startProc starts path with args, its output appended to logPath.
func startProc(name, path string, args []string, logPath string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the process to exit with SIGTERM and waits up to grace for it; then it is
// killed. It returns how long the graceful exit took, and an error if it did not exit
// gracefully or exited with a failure.
func (p *proc) stop(grace time.Duration) (time.Duration, error) {
	start := time.Now()
	if p.exited() {
		return 0, fmt.Errorf("%s had already exited: %v", p.name, p.err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			return time.Since(start), fmt.Errorf("%s: exit after SIGTERM: %w", p.name, p.err)
		}
		return time.Since(start), nil
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
		return time.Since(start), fmt.Errorf("%s: still running %v after SIGTERM; killed", p.name, grace)
	}
}

// logTail is the last n lines of the process's log, for error messages.
func (p *proc) logTail(n int) string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitReady polls url until it answers 200, the process exits, or timeout passes.
func (p *proc) waitReady(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if p.exited() {
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", p.name, p.err, p.logTail(20))
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v:\n%s", p.name, timeout, p.logTail(20))
}

// runOutput runs path with args to completion and returns its stdout; stderr goes to
// logPath.
func runOutput(ctx context.Context, path string, args []string, logPath string) ([]byte, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &out, f
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w", path, strings.Join(args[:min(len(args), 1)], " "), err)
	}
	return out.Bytes(), nil
}

// rssBytes is the process's resident set (VmRSS of /proc/PID/status).
func rssBytes(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return parseKB(rest)
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

// parseKB reads "   12345 kB".
func parseKB(s string) (int64, error) {
	f := strings.Fields(s)
	if len(f) != 2 || f[1] != "kB" {
		return 0, fmt.Errorf("unexpected VmRSS %q", s)
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	return n << 10, err
}

// clockTick is the unit of utime and stime in /proc/PID/stat: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU the process has used (utime + stime of /proc/PID/stat).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime and stime, fields 14 and 15 of /proc/PID/stat; the command name
// (field 2) is in parentheses and may hold spaces, so fields are counted after its ")".
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc/PID/stat")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(u+s) * clockTick, nil
}

// waitIdle waits until the process uses under 5 % of a core over half a second, so that work
// a server still does after a run (its queue, its retries) is not billed to the next
// measurement, at most max. It returns how long it waited and whether it became idle.
func waitIdle(pid int, max time.Duration) (time.Duration, bool) {
	const window = 500 * time.Millisecond
	start := time.Now()
	prev, err := cpuTime(pid)
	if err != nil {
		return 0, false
	}
	for time.Since(start) < max {
		time.Sleep(window)
		cur, err := cpuTime(pid)
		if err != nil {
			return time.Since(start), false
		}
		if cur-prev < window/20 {
			return time.Since(start), true
		}
		prev = cur
	}
	return time.Since(start), false
}
