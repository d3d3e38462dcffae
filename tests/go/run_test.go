package enginetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"libengine.local/engine"
)

func TestRunEchoEnv(t *testing.T) {
	res, err := shared.Run(context.Background(), "busybox", []string{"sh", "-c", "echo $X; echo err >&2; exit 3"},
		&engine.RunOptions{Env: map[string]string{"X": "1"}, Memory: "64m", PidsLimit: 64, CPUs: 0.5, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "1\n" || string(res.Stderr) != "err\n" || res.TimedOut || res.Signal != 0 {
		t.Fatalf("result: %+v", res)
	}
	if len(res.ID) != 64 || res.Duration <= 0 {
		t.Fatalf("id %q duration %v", res.ID, res.Duration)
	}
}

func TestRunBinaryOutputAndOptions(t *testing.T) {
	res, err := shared.Run(context.Background(), "busybox",
		[]string{"sh", "-c", "printf 'a\\000b'; cat /etc/injected; pwd; id -u; hostname"},
		&engine.RunOptions{
			Files:      map[string]engine.File{"/etc/injected": {Content: []byte("in\n")}},
			WorkingDir: "/tmp", User: "1000", Hostname: "gobox", ReadOnly: true,
			Tmpfs: map[string]string{"/tmp": ""}, Network: "none",
		})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\x00bin\n/tmp\n1000\ngobox\n"; string(res.Stdout) != want {
		t.Fatalf("stdout %q, want %q (stderr %q)", res.Stdout, want, res.Stderr)
	}
}

func TestRunTimeouts(t *testing.T) {
	res, err := shared.Run(context.Background(), "busybox", []string{"sleep", "30"}, &engine.RunOptions{Timeout: 300 * time.Millisecond})
	if err != nil || !res.TimedOut || res.Signal != int(syscall.SIGKILL) || res.ExitCode != 137 {
		t.Fatalf("timeout: %+v %v", res, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err = shared.Run(ctx, "busybox", []string{"sleep", "30"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || !res.TimedOut {
		t.Fatalf("deadline: %+v %v", res, err)
	}
	if _, err := shared.Run(ctx, "busybox", []string{"true"}, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("expired context: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	bg := context.Background()
	_, err := shared.Run(bg, "no-such-image", []string{"true"}, nil)
	var e *engine.Error
	if !errors.Is(err, engine.ErrNotFound) || !errors.As(err, &e) || !strings.Contains(e.Message, "no-such-image") {
		t.Fatalf("missing image: %v", err)
	}
	res, err := shared.Run(bg, "busybox", []string{"no-such-command"}, nil)
	if !errors.Is(err, engine.ErrNotFound) || res == nil || res.ExitCode != 127 {
		t.Fatalf("missing command: %+v %v", res, err)
	}
	_, err = shared.Run(bg, "busybox", []string{"true"}, &engine.RunOptions{Memory: "lots"})
	if !errors.Is(err, engine.ErrInvalid) || !strings.Contains(err.Error(), `memory limit: invalid size "lots"`) {
		t.Fatalf("bad memory: %v", err)
	}
	_, err = shared.Run(bg, "busybox", []string{"true"}, &engine.RunOptions{CapAdd: []string{"NOT_A_CAP"}})
	if !errors.Is(err, engine.ErrInvalid) {
		t.Fatalf("bad capability: %v", err)
	}
}

func TestRunLimits(t *testing.T) {
	res, err := shared.Run(context.Background(), "busybox",
		[]string{"sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"},
		&engine.RunOptions{PidsLimit: 4, Timeout: 20 * time.Second})
	if err != nil || res.ExitCode == 0 || !strings.Contains(strings.ToLower(string(res.Stderr)), "fork") {
		t.Fatalf("pids limit: %+v %v", res, err)
	}
}

func TestParallelGoroutines(t *testing.T) {
	var wg sync.WaitGroup
	outs := make([]string, 8)
	errs := make([]error, 8)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, err := shared.Run(context.Background(), "busybox", []string{"sh", "-c", "sleep 0.2; echo $I"},
				&engine.RunOptions{Env: map[string]string{"I": fmt.Sprint(i)}})
			errs[i] = err
			if res != nil {
				outs[i] = string(res.Stdout)
			}
		}(i)
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil || outs[i] != fmt.Sprintf("%d\n", i) {
			t.Errorf("goroutine %d: %q %v", i, outs[i], errs[i])
		}
	}
}

// Cancelling Run's context kills the container and returns ctx.Err(), as
// exec.CommandContext does; the output so far comes back with it.
func TestRunCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(500 * time.Millisecond)
		cancel()
	}()
	res, err := shared.Run(ctx, "busybox", []string{"sh", "-c", "echo started; sleep 60"}, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if res == nil || res.ExitCode != 137 || res.Signal != int(syscall.SIGKILL) || res.TimedOut {
		t.Fatalf("result of a cancelled run: %+v", res)
	}
	// A context cancelled before the call runs nothing.
	if _, err := shared.Run(ctx, "busybox", []string{"true"}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
	// Cancellable but not cancelled: the pipe is only watched.
	live, stop := context.WithCancel(context.Background())
	defer stop()
	res, err = shared.Run(live, "busybox", []string{"echo", "ok"}, nil)
	if err != nil || string(res.Stdout) != "ok\n" {
		t.Fatalf("uncancelled run: %+v %v", res, err)
	}
}

// Docker's three failures of a run, told apart: no image, no command, a
// command that cannot be executed; each still a not-found / permission error.
func TestRunFailureKinds(t *testing.T) {
	_, err := shared.Run(context.Background(), "no-such-image:1", []string{"true"}, nil)
	if !errors.Is(err, engine.ErrImageNotFound) || !errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrCommandNotFound) {
		t.Fatalf("missing image: %v", err)
	}
	res, err := shared.Run(context.Background(), "busybox", []string{"/no/such/command"}, nil)
	if !errors.Is(err, engine.ErrCommandNotFound) || !errors.Is(err, engine.ErrNotFound) || errors.Is(err, engine.ErrImageNotFound) || res == nil || res.ExitCode != 127 {
		t.Fatalf("missing command: %+v %v", res, err)
	}
	res, err = shared.Run(context.Background(), "busybox", []string{"/etc/passwd"}, nil)
	if !errors.Is(err, engine.ErrNotExecutable) || !errors.Is(err, engine.ErrPermission) || res == nil || res.ExitCode != 126 {
		t.Fatalf("not executable: %+v %v", res, err)
	}
	if _, err := shared.Create("no-such-image:1", []string{"true"}, nil); !errors.Is(err, engine.ErrImageNotFound) {
		t.Fatalf("create of a missing image: %v", err)
	}
}

// Namespace modes: the host's IPC and PID namespaces when asked, the
// container's own otherwise; a bad mode is an ErrInvalid.
func TestRunNamespaceModes(t *testing.T) {
	bg := context.Background()
	host := func(ns string) string {
		l, err := os.Readlink("/proc/self/ns/" + ns)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	script := []string{"sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid"}
	res, err := shared.Run(bg, "busybox", script, &engine.RunOptions{IpcMode: "host", PidMode: "host"})
	if err != nil || string(res.Stdout) != host("ipc")+"\n"+host("pid")+"\n" {
		t.Fatalf("host modes: %q %v", res.Stdout, err)
	}
	res, err = shared.Run(bg, "busybox", script, nil)
	if err != nil || strings.Contains(string(res.Stdout), host("ipc")) || strings.Contains(string(res.Stdout), host("pid")) {
		t.Fatalf("default: %q %v", res.Stdout, err)
	}
	if _, err := shared.Run(bg, "busybox", []string{"true"}, &engine.RunOptions{UTSMode: "bogus"}); !errors.Is(err, engine.ErrInvalid) ||
		!strings.Contains(err.Error(), "invalid UTS mode: bogus") {
		t.Fatalf("bad mode: %v", err)
	}
}
