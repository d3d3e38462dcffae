// Package engine runs containers from Go through libengine, without a
// daemon. It wraps the SWIG-generated low-level package internal/capi:
// calls return error values (never panic) built from the library's
// thread-local last error, handles have an idempotent Close, and waits take
// a context.Context.
//
//	ctx, err := engine.Open(engine.Options{Root: "/var/lib/engine"})
//	if err != nil { ... }
//	defer ctx.Close()
//	res, err := ctx.Run(context.Background(), "busybox", []string{"echo", "hi"}, nil)
//
// Build: the package's .swig file is compiled by `go build` (SWIG must be
// installed); libengine is found with pkg-config, so an uninstalled build
// tree works with PKG_CONFIG_PATH=<build>/bindings/go.
package engine

import (
	"runtime"

	"libengine.local/engine/internal/capi"
)

// Version is the version of the linked libengine.
func Version() string { return capi.Engine_version() }

// HasFeature reports whether libengine can use a feature on this host:
// "seccomp", "overlay", "cgroup-v1", "cgroup-v2", "user-namespaces",
// "gzip", "zstd", "registry", "build", "rootless" (probed once per process).
func HasFeature(name string) bool { return capi.Engine_has_feature(name) != 0 }

// call runs f, which makes one fallible libengine call last, on a locked
// OS thread, and turns a negative result into an *Error read on that same
// thread (the library's last error is per thread; goroutines move between
// threads).
func call(op string, f func() int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if rc := f(); rc < 0 {
		return lastError(op, rc)
	}
	return nil
}
