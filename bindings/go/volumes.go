package engine

import (
	"encoding/json"

	"libengine.local/engine/internal/capi"
)

// Volumes are the store's named volumes (include/engine/volume.h):
// ctx.Volumes().Create("data", nil), then Spec.AddVolume("data:/data").
type Volumes struct{ c *Context }

// Volumes returns the volume operations of the context.
func (c *Context) Volumes() Volumes { return Volumes{c} }

// VolumeCreateOptions are docker volume create's flags.
type VolumeCreateOptions struct {
	Driver  string            // "" or "local"
	Labels  map[string]string // --label
	Options map[string]string // -o: type, device, o
}

// Volume is the inspect data of one volume.
type Volume struct {
	Name       string
	Driver     string
	Mountpoint string
	CreatedAt  string
	Labels     map[string]string
	Scope      string
	Options    map[string]string
	UsageData  struct{ RefCount int64 }
}

// Create creates a volume ("" name: a random one) and returns its name;
// an existing name is kept as it is.
func (v Volumes) Create(name string, o *VolumeCreateOptions) (string, error) {
	var out string
	err := v.c.with("Volumes.Create", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_volume_create_options()
		defer capi.DeleteEngine_volume_create_options(opts)
		return call("Volumes.Create", func() int {
			if rc := capi.Engine_volume_create_options_init(opts, uint(capi.ENGINE_VOLUME_CREATE_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			opts.SetName(name)
			if o != nil {
				opts.SetDriver(o.Driver)
				opts.Set_labels(kvList(o.Labels))
				opts.Set_options(kvList(o.Options))
			}
			return capi.Engine_volume_create(h, opts, &out)
		})
	})
	return out, err
}

// Inspect returns one volume's data (a NotFound error when missing).
func (v Volumes) Inspect(name string) (Volume, error) {
	var s string
	var vol Volume
	err := v.c.with("Volumes.Inspect", func(h capi.Struct_SS_engine_context) error {
		return call("Volumes.Inspect", func() int { return capi.Engine_volume_inspect(h, name, &s) })
	})
	if err == nil {
		err = json.Unmarshal([]byte(s), &vol)
	}
	return vol, err
}

// List lists the volumes the filters select ("dangling=true", "label=k=v",
// "name=part", "driver=local"), sorted by name.
func (v Volumes) List(filters ...string) ([]Volume, error) {
	var s string
	var out []Volume
	err := v.c.with("Volumes.List", func(h capi.Struct_SS_engine_context) error {
		return call("Volumes.List", func() int { return capi.Engine_volume_list(h, filters, &s) })
	})
	if err == nil {
		err = json.Unmarshal([]byte(s), &out)
	}
	return out, err
}

// Remove removes a volume; a Busy error while a container uses it unless force.
func (v Volumes) Remove(name string, force bool) error {
	return v.c.with("Volumes.Remove", func(h capi.Struct_SS_engine_context) error {
		return call("Volumes.Remove", func() int { return capi.Engine_volume_remove(h, name, boolInt(force)) })
	})
}

// Prune removes the unused anonymous volumes (all unused ones with the
// filter "all=true"); it returns their names and the bytes freed.
func (v Volumes) Prune(filters ...string) ([]string, int64, error) {
	var names []string
	var n int64
	err := v.c.with("Volumes.Prune", func(h capi.Struct_SS_engine_context) error {
		return call("Volumes.Prune", func() int { return capi.Engine_volume_prune(h, filters, &names, &n) })
	})
	return names, n, err
}
