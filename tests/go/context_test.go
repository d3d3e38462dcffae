package enginetest

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"libengine.local/engine"
)

func TestVersionAndFeatures(t *testing.T) {
	if v := engine.Version(); strings.Count(v, ".") != 2 {
		t.Fatalf("version %q", v)
	}
	if engine.HasFeature("no-such-feature") || !engine.HasFeature("build") {
		t.Fatal("unknown feature reported, or build missing")
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if seccomp := strings.Contains(string(status), "\nSeccomp:"); engine.HasFeature("seccomp") != seccomp {
		t.Fatalf("seccomp: library says %v, /proc/self/status %v", !seccomp, seccomp)
	}
	ctx, err := engine.Open(engine.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	for _, name := range []string{"cgroup-v1", "cgroup-v2", "user-namespaces"} {
		if ctx.HasFeature(name) != engine.HasFeature(name) {
			t.Fatalf("%s: the context and the process disagree", name)
		}
	}
	ctx.Close()
	if ctx.HasFeature("build") {
		t.Fatal("a closed context reports features")
	}
}

func TestOpenAndClose(t *testing.T) {
	root := t.TempDir()
	ctx, err := engine.Open(engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Root() != root || ctx.RunDir() != filepath.Join(root, "run") {
		t.Fatalf("root %q run dir %q", ctx.Root(), ctx.RunDir())
	}
	if err := ctx.SetLogLevel(engine.LogDebug); err != nil {
		t.Fatal(err)
	}
	ctx.Close()
	ctx.Close() // idempotent
	if _, err := ctx.Images().List(); !errors.Is(err, engine.ErrClosed) {
		t.Fatalf("use after close: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := engine.Open(engine.Options{Root: "not/absolute"})
	var e *engine.Error
	if !errors.As(err, &e) || !errors.Is(err, engine.ErrInvalid) || errors.Is(err, engine.ErrNotFound) {
		t.Fatalf("want an ErrInvalid *Error, got %#v", err)
	}
	if e.Code != engine.CodeInvalid || e.Name() != "ENGINE_EINVALID" ||
		e.Message != `context root "not/absolute": must be an absolute path` {
		t.Fatalf("error fields: %+v", e)
	}
	if !strings.Contains(err.Error(), "Open: context root") {
		t.Fatalf("error text: %s", err)
	}

	blocker := filepath.Join(t.TempDir(), "file")
	os.WriteFile(blocker, nil, 0o644)
	_, err = engine.Open(engine.Options{Root: filepath.Join(blocker, "sub")})
	if !errors.As(err, &e) || e.Errno == 0 {
		t.Fatalf("want an errno, got %#v", err)
	}
	if errors.Is(err, fs.ErrNotExist) != (e.Errno == 2) {
		t.Fatalf("errno unwrapping: %v", err)
	}
}

// Errors are per OS thread in the library: goroutines failing at once each
// get their own message.
func TestErrorsPerGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20 && errs[i] == nil; j++ {
				_, err := engine.Open(engine.Options{Root: "rel-" + string(rune('a'+i))})
				if !strings.Contains(err.Error(), `"rel-`+string(rune('a'+i))+`"`) {
					errs[i] = err
				}
			}
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d got another's error: %v", i, err)
		}
	}
}
