// End-to-end tests of the Go binding against real containers. One context
// on a temporary root holds the default busybox image for the whole run;
// tests that change the store use their own t.TempDir() root.
package enginetest

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"libengine.local/engine"
)

var shared *engine.Context

func TestMain(m *testing.M) {
	// Every temporary directory of the run (t.TempDir too) goes under one
	// "engine-gotest-" directory, which the leak check looks for.
	top, err := os.MkdirTemp("", "engine-gotest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", top)
	root, err := os.MkdirTemp("", "root-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared, err = engine.Open(engine.Options{Root: root})
	if err == nil {
		_, err = shared.Images().CreateDefault("")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "setup:", err)
		os.RemoveAll(top)
		os.Exit(1)
	}
	code := m.Run()
	shared.Close()
	if code == 0 {
		code = checkNoLeaks()
	}
	os.RemoveAll(top)
	os.Exit(code)
}

// checkNoLeaks fails the run when a mount or a process of the suite's
// roots is left behind.
func checkNoLeaks() int {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(mi), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.Contains(f[4], "engine-gotest-") {
			fmt.Fprintln(os.Stderr, "leak: mount left:", f[4])
			return 1
		}
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		if r, err := os.Readlink("/proc/" + p.Name() + "/root"); err == nil && strings.Contains(r, "engine-gotest-") {
			fmt.Fprintln(os.Stderr, "leak: process left:", p.Name(), r)
			return 1
		}
	}
	return 0
}

func fresh(t *testing.T) *engine.Context {
	t.Helper()
	ctx, err := engine.Open(engine.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	return ctx
}
