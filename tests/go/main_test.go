// End-to-end tests of the Go binding against real containers. One context
// on a temporary root holds the default busybox image for the whole run;
// tests that change the store use their own t.TempDir() root.
package enginetest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"libengine.local/engine"
)

var shared *engine.Context

// cgroupParent holds the cgroups of every container the run makes, and
// configPath names it in each context's config: suites that run side by
// side (pytest, the C suites) never share or remove each other's cgroups.
var cgroupParent, configPath string

// open opens a context on root with the run's config.
func open(root string) (*engine.Context, error) {
	return engine.Open(engine.Options{Root: root, ConfigPath: configPath})
}

// removeCgroupParent removes the run's (empty) parent cgroup in every
// hierarchy, and reports one that still holds cgroups.
func removeCgroupParent() int {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/" + cgroupParent)
	dirs = append(dirs, "/sys/fs/cgroup/"+cgroupParent)
	code := 0
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintln(os.Stderr, "leak: cgroup left:", d, err)
			code = 1
		}
	}
	return code
}

func TestMain(m *testing.M) {
	// Every temporary directory of the run (t.TempDir too) goes under one
	// "engine-gotest-" directory, which the leak check looks for.
	top, err := os.MkdirTemp("", "engine-gotest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", top)
	cgroupParent = fmt.Sprintf("engine-gotest-%d", os.Getpid())
	configPath = filepath.Join(top, "config.json")
	err = os.WriteFile(configPath, []byte(`{"cgroup-parent": "`+cgroupParent+`"}`), 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, err := os.MkdirTemp("", "root-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared, err = open(root)
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
	if removeCgroupParent() != 0 {
		code = 1
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
	ctx, err := open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	return ctx
}
