package enginetest

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"libengine.local/engine"
)

func TestLifecycle(t *testing.T) {
	bg := context.Background()
	c, err := shared.Create("busybox", []string{"sh", "-c", "echo started; exec sleep 60"},
		&engine.RunOptions{Env: map[string]string{"A": "1"}, Memory: "64m", Name: "golife"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(true)
	if st, _ := c.Status(); st != "created" || c.Name != "golife" || len(c.ID) != 64 {
		t.Fatalf("created: %q %q %q", st, c.Name, c.ID)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); !errors.Is(err, engine.ErrBusy) {
		t.Fatalf("second start: %v", err)
	}
	ids, _ := shared.ContainerIDs(false)
	if len(ids) != 1 || ids[0] != c.ID {
		t.Fatalf("ids %q", ids)
	}
	res, err := c.Exec(bg, []string{"sh", "-c", "echo $A $B; exit 4"}, &engine.ExecOptions{Env: map[string]string{"B": "2"}})
	if err != nil || res.ExitCode != 4 || string(res.Stdout) != "1 2\n" {
		t.Fatalf("exec: %+v %v", res, err)
	}
	st, err := c.Stats()
	if err != nil || st.Pids < 1 || st.MemoryUsage == 0 || st.MemoryLimit != 64<<20 || st.OOMKills != 0 ||
		(st.MemoryMaxUsage != 0 && st.MemoryMaxUsage < st.MemoryUsage) ||
		st.CPUUser+st.CPUSystem > st.CPUUsage+50*time.Millisecond || st.CPUThrottledPeriods > st.CPUPeriods {
		t.Fatalf("stats: %+v %v", st, err)
	}
	if raw, err := c.Inspect(); err != nil || !strings.Contains(string(raw), c.ID) {
		t.Fatalf("inspect: %s %v", raw, err)
	}
	ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait with deadline: %v", err)
	}
	if err := c.Pause(); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Status(); s != "paused" {
		t.Fatalf("status %q", s)
	}
	if err := c.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := c.Kill(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code, err := c.Wait(bg); err != nil || code != 137 {
		t.Fatalf("wait: %d %v", code, err)
	}
	if out, _, err := c.Logs(); err != nil || !strings.Contains(string(out), "started") {
		t.Fatalf("logs: %q %v", out, err)
	}
	if err := c.Remove(false); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Status(); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("closed handle: %v", err)
	}
	if _, err := shared.OpenContainer("golife"); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("removed: %v", err)
	}
}

func TestWaitCancel(t *testing.T) {
	c, err := shared.Create("busybox", []string{"sleep", "60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(true)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Wait(ctx); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	if err := c.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Status(); s != "exited" {
		t.Fatalf("after stop: %q", s)
	}
}

func TestContainerErrors(t *testing.T) {
	if _, err := shared.Create("no-such-image", nil, nil); !errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("missing image: %v", err)
	}
	c, err := shared.Create("busybox", []string{"true"}, &engine.RunOptions{Name: "gotaken"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove(true)
	if _, err := shared.Create("busybox", []string{"true"}, &engine.RunOptions{Name: "gotaken"}); !errors.Is(err, engine.ErrExists) {
		t.Fatalf("name taken: %v", err)
	}
	if _, err := c.Exec(context.Background(), []string{"true"}, nil); !errors.Is(err, engine.ErrBusy) {
		t.Fatalf("exec in a created container: %v", err)
	}
}

func TestContainerAfterContextClose(t *testing.T) {
	root := t.TempDir()
	ctx, err := open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ctx.Images().CreateDefault(""); err != nil {
		t.Fatal(err)
	}
	c, err := ctx.Create("busybox", []string{"true"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx.Close()
	if _, err := c.Status(); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("status after the context closed: %v", err)
	}
	c.Close()
	again, err := open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	c, err = again.OpenContainer(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(false); err != nil {
		t.Fatal(err)
	}
}
