package engine

import (
	"fmt"
	"runtime"
	"sync"

	"libengine.local/engine/internal/capi"
)

// Pool keeps sandboxes of one container spec prepared ahead of time
// (namespaces, rootfs, cgroup), so that Run only hands over the command:
// for test harnesses that run many short containers. Each sandbox serves
// one Run and is then torn down in the background; nothing of one run
// reaches the next. Safe for concurrent use; Close waits for runs in
// progress. Closing the Context closes its pools.
type Pool struct {
	mu     sync.RWMutex
	handle capi.Struct_SS_engine_pool // nil once closed
}

// NewPool makes a pool of size prepared sandboxes (0: 2) of image running
// cmd (nil: the image's command) with the options of o (its Timeout
// applies to each run).
func (c *Context) NewPool(image string, cmd []string, o *RunOptions, size int) (*Pool, error) {
	if size < 0 {
		return nil, fmt.Errorf("engine: NewPool: negative size %d", size)
	}
	var p *Pool
	err := c.with("NewPool", func(h capi.Struct_SS_engine_context) error {
		spec, err := newSpec("NewPool", image, cmd, o)
		if err != nil {
			return err
		}
		defer capi.Engine_spec_free(spec)
		opts := capi.NewEngine_pool_options()
		defer capi.DeleteEngine_pool_options(opts)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if rc := capi.Engine_pool_options_init(opts, uint(capi.ENGINE_POOL_OPTIONS_VERSION)); rc < 0 {
			return lastError("NewPool", rc)
		}
		opts.SetSize(uint(size))
		var ph uintptr
		if rc := capi.Engine_pool_new(h, spec, opts, &ph); rc < 0 {
			return lastError("NewPool", rc)
		}
		p = &Pool{handle: capi.SwigcptrStruct_SS_engine_pool(ph)}
		runtime.SetFinalizer(p, (*Pool).Close)
		return nil
	})
	return p, err
}

// Run runs cmd (nil: the pool's command) in a fresh sandbox with env
// ("KEY=value", added to the pool's environment) and waits for it, like
// Context.Run.
func (p *Pool) Run(cmd []string, env []string) (*Result, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.handle == nil {
		return nil, fmt.Errorf("engine: Pool.Run: %w", ErrClosed)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var rp uintptr
	var err error
	if rc := capi.Engine_pool_run(p.handle, cmd, env, &rp); rc < 0 {
		err = lastError("Pool.Run", rc)
	}
	return takeResult(rp), err
}

// Close removes every prepared sandbox. Idempotent; always returns nil.
func (p *Pool) Close() error {
	p.mu.Lock()
	h := p.handle
	p.handle = nil
	p.mu.Unlock()
	if h != nil {
		capi.Engine_pool_free(h)
		runtime.SetFinalizer(p, nil)
	}
	return nil
}
