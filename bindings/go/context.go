package engine

import (
	"fmt"
	"runtime"
	"sync"

	"libengine.local/engine/internal/capi"
)

// Log levels for Options.LogLevel (the header's ENGINE_LOG_*, through SWIG).
var (
	LogError = int(capi.ENGINE_LOG_ERROR)
	LogWarn  = int(capi.ENGINE_LOG_WARN)
	LogInfo  = int(capi.ENGINE_LOG_INFO)
	LogDebug = int(capi.ENGINE_LOG_DEBUG)
	LogTrace = int(capi.ENGINE_LOG_TRACE)
)

// Options configure Open. The zero value means the library's defaults.
type Options struct {
	Root       string // store and state; "" is /var/lib/engine
	RunDir     string // runtime dir; "" is <Root>/run (or /run/engine)
	ConfigPath string // daemon.json-style config file; "" for none
	LogLevel   *int   // nil: LogWarn
	// LogFd receives log lines as JSON objects, one per line; the fd is
	// borrowed. nil: no logging (the library is silent by default).
	LogFd *int
}

// Context is an open libengine context: a store root and run directory.
// It is safe for concurrent use; Close waits for calls in progress.
type Context struct {
	mu     sync.RWMutex
	handle capi.Struct_SS_engine_context // nil once closed
}

// Open opens a context, creating its root and run directories when missing.
func Open(o Options) (*Context, error) {
	opts := capi.NewEngine_context_options()
	defer capi.DeleteEngine_context_options(opts)
	var h uintptr
	err := call("Open", func() int {
		if rc := capi.Engine_context_options_init(opts, uint(capi.ENGINE_CONTEXT_OPTIONS_VERSION)); rc < 0 {
			return rc
		}
		opts.SetRoot(o.Root)
		opts.SetRun_dir(o.RunDir)
		opts.SetConfig_path(o.ConfigPath)
		if o.LogLevel != nil {
			opts.SetLog_level(*o.LogLevel)
		}
		if o.LogFd != nil {
			opts.SetLog_fd(*o.LogFd)
		}
		return capi.Engine_context_new(&h, opts)
	})
	if err != nil {
		return nil, err
	}
	c := &Context{handle: capi.SwigcptrStruct_SS_engine_context(h)}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Close releases the context. It is idempotent and always returns nil.
// Containers started through it keep running.
func (c *Context) Close() error {
	c.mu.Lock()
	h := c.handle
	c.handle = nil
	c.mu.Unlock()
	if h != nil {
		capi.Engine_context_free(h)
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// with runs f with the live handle (read-locked against Close), or returns
// ErrClosed.
func (c *Context) with(op string, f func(h capi.Struct_SS_engine_context) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return fmt.Errorf("engine: %s: %w", op, ErrClosed)
	}
	return f(c.handle)
}

// Root is the context's root directory ("" once closed).
func (c *Context) Root() string {
	var s string
	_ = c.with("Root", func(h capi.Struct_SS_engine_context) error {
		s = capi.Engine_context_root(h)
		return nil
	})
	return s
}

// RunDir is the context's run directory ("" once closed).
func (c *Context) RunDir() string {
	var s string
	_ = c.with("RunDir", func(h capi.Struct_SS_engine_context) error {
		s = capi.Engine_context_run_dir(h)
		return nil
	})
	return s
}

// HasFeature is the package's HasFeature for this context (its cgroup
// root), probed once per context; false once closed.
func (c *Context) HasFeature(name string) bool {
	var ok bool
	_ = c.with("HasFeature", func(h capi.Struct_SS_engine_context) error {
		ok = capi.Engine_context_has_feature(h, name) != 0
		return nil
	})
	return ok
}

// SetLogLevel changes the level below which log lines are dropped.
func (c *Context) SetLogLevel(level int) error {
	return c.with("SetLogLevel", func(h capi.Struct_SS_engine_context) error {
		capi.Engine_context_set_log_level(h, level)
		return nil
	})
}

// SetLogFd sends log lines (JSON objects, one per line) to fd; -1 turns it off.
func (c *Context) SetLogFd(fd int) error {
	return c.with("SetLogFd", func(h capi.Struct_SS_engine_context) error {
		capi.Engine_context_set_log_fd(h, fd)
		return nil
	})
}
