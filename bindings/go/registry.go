package engine

import (
	"time"

	"libengine.local/engine/internal/capi"
)

// PullOptions are optional arguments of Images.Pull.
type PullOptions struct {
	Platform   string        // "os/arch[/variant]"; "" is linux/amd64
	ProgressFd *int          // receives Docker-style JSON progress lines
	Timeout    time.Duration // how long a transfer may stall; 0: the config's or 30 s
}

// Pull pulls ref from its registry (the configured mirrors first) and
// returns the image ID.
func (im Images) Pull(ref string, o *PullOptions) (string, error) {
	var id string
	err := im.c.with("Images.Pull", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_registry_pull_options()
		defer capi.DeleteEngine_registry_pull_options(opts)
		return call("Images.Pull", func() int {
			if rc := capi.Engine_registry_pull_options_init(opts, uint(capi.ENGINE_REGISTRY_PULL_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if o != nil {
				opts.SetPlatform(o.Platform)
				if o.ProgressFd != nil {
					opts.SetProgress_fd(*o.ProgressFd)
				}
				opts.SetTimeout(int((o.Timeout + time.Second - 1) / time.Second))
			}
			return capi.Engine_registry_pull(h, ref, opts, &id)
		})
	})
	return id, err
}

// PushOptions are optional arguments of Images.Push.
type PushOptions struct {
	ProgressFd *int
	Timeout    time.Duration
	ChunkSize  int64 // > 0: upload blobs in chunks of this size
}

// Push pushes the image tagged ref to its registry and returns the
// manifest digest.
func (im Images) Push(ref string, o *PushOptions) (string, error) {
	var digest string
	err := im.c.with("Images.Push", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_registry_push_options()
		defer capi.DeleteEngine_registry_push_options(opts)
		return call("Images.Push", func() int {
			if rc := capi.Engine_registry_push_options_init(opts, uint(capi.ENGINE_REGISTRY_PUSH_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if o != nil {
				if o.ProgressFd != nil {
					opts.SetProgress_fd(*o.ProgressFd)
				}
				opts.SetTimeout(int((o.Timeout + time.Second - 1) / time.Second))
				opts.SetChunk_size(o.ChunkSize)
			}
			return capi.Engine_registry_push(h, ref, opts, &digest)
		})
	})
	return digest, err
}

// Login checks username/password against registry ("host[:port]"; "" is
// Docker Hub) and stores them in the context's root.
func (c *Context) Login(registry, username, password string) error {
	return c.with("Login", func(h capi.Struct_SS_engine_context) error {
		return call("Login", func() int { return capi.Engine_registry_login(h, registry, username, password) })
	})
}

// Logout forgets the stored credentials of registry.
func (c *Context) Logout(registry string) error {
	return c.with("Logout", func(h capi.Struct_SS_engine_context) error {
		return call("Logout", func() int { return capi.Engine_registry_logout(h, registry) })
	})
}

// NormalizeReference gives Docker's full form of an image reference
// ("busybox" -> "docker.io/library/busybox:latest").
func (c *Context) NormalizeReference(ref string) (string, error) {
	var out string
	err := c.with("NormalizeReference", func(h capi.Struct_SS_engine_context) error {
		return call("NormalizeReference", func() int { return capi.Engine_registry_reference_normalize(h, ref, &out) })
	})
	return out, err
}
