package engine

import "libengine.local/engine/internal/capi"

// BuildOptions are optional arguments of Images.Build.
type BuildOptions struct {
	Dockerfile string            // relative to the context dir unless absolute; "" is Dockerfile
	Tags       []string          // "name:tag" pointed at the result
	BuildArgs  map[string]string // values for ARG instructions
	Target     string            // the stage to build; "" is the last
	NoCache    bool
	Network    string // network of RUN steps: "none" (default) or "host"
	EventFd    *int   // receives one JSON line per build event
}

// Build builds the Dockerfile in contextDir and returns the image ID.
func (im Images) Build(contextDir string, o *BuildOptions) (string, error) {
	var id string
	err := im.c.with("Images.Build", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_build_options()
		defer capi.DeleteEngine_build_options(opts)
		return call("Images.Build", func() int {
			if rc := capi.Engine_build_options_init(opts, uint(capi.ENGINE_BUILD_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if o != nil {
				opts.SetDockerfile(o.Dockerfile)
				opts.Set_tags(o.Tags)
				opts.Set_build_args(kvList(o.BuildArgs))
				opts.SetTarget(o.Target)
				opts.SetNo_cache(boolInt(o.NoCache))
				opts.SetNetwork(o.Network)
				if o.EventFd != nil {
					opts.SetEvent_fd(*o.EventFd)
				}
			}
			return capi.Engine_build(h, contextDir, opts, &id)
		})
	})
	return id, err
}

// BuildCachePrune drops build cache entries whose image is gone and
// returns how many.
func (im Images) BuildCachePrune() (int64, error) {
	var n int64
	err := im.c.with("Images.BuildCachePrune", func(h capi.Struct_SS_engine_context) error {
		return call("Images.BuildCachePrune", func() int { return capi.Engine_build_cache_prune(h, &n) })
	})
	return n, err
}
