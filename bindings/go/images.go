package engine

import (
	"encoding/json"
	"os"
	"sort"

	"libengine.local/engine/internal/capi"
)

// Images is the image API of a Context (ctx.Images()).
type Images struct{ c *Context }

// Images gives the context's image operations.
func (c *Context) Images() Images { return Images{c} }

// LoadOptions are optional arguments of Images.Load.
type LoadOptions struct {
	Tag      string // tag for images the archive leaves untagged
	Platform string // "os/arch[/variant]" to pick from an index; "" is linux/amd64
}

// Load loads every image of an OCI layout (directory or tar) or a
// `docker save` archive, and returns one entry per image: its tag, or its
// ID when untagged.
func (im Images) Load(path string, o *LoadOptions) ([]string, error) {
	var loaded []string
	err := im.c.with("Images.Load", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_image_load_options()
		defer capi.DeleteEngine_image_load_options(opts)
		return call("Images.Load", func() int {
			if rc := capi.Engine_image_load_options_init(opts, uint(capi.ENGINE_IMAGE_LOAD_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if o != nil {
				opts.SetTag(o.Tag)
				opts.SetPlatform(o.Platform)
			}
			return capi.Engine_image_load(h, path, opts, &loaded)
		})
	})
	return loaded, err
}

// ImportOptions configure the image Images.Import makes (all optional).
type ImportOptions struct {
	Ref          string            // tag for the new image, e.g. "myimage:1"
	Env          map[string]string // ENV
	Cmd          []string          // CMD, exec form
	Entrypoint   []string          // ENTRYPOINT, exec form
	Labels       map[string]string
	ExposedPorts []string // "80/tcp"
	Volumes      []string
	WorkingDir   string
	User         string
	Comment      string
}

// Import makes a one-layer image from a rootfs tarball at path (any
// compression), like `docker import`, and returns its ID.
func (im Images) Import(path string, o *ImportOptions) (string, error) {
	return im.importFrom(path, -1, o)
}

// ImportFile is Import reading the tarball from an open file.
func (im Images) ImportFile(f *os.File, o *ImportOptions) (string, error) {
	return im.importFrom("", int(f.Fd()), o)
}

func (im Images) importFrom(path string, fd int, o *ImportOptions) (string, error) {
	var id string
	err := im.c.with("Images.Import", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_image_import_options()
		defer capi.DeleteEngine_image_import_options(opts)
		return call("Images.Import", func() int {
			if rc := capi.Engine_image_import_options_init(opts, uint(capi.ENGINE_IMAGE_IMPORT_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if o != nil {
				opts.SetRef(o.Ref)
				opts.Set_env(kvList(o.Env))
				opts.Set_cmd(o.Cmd)
				opts.Set_entrypoint(o.Entrypoint)
				opts.Set_labels(kvList(o.Labels))
				opts.Set_exposed_ports(o.ExposedPorts)
				opts.Set_volumes(o.Volumes)
				opts.SetWorking_dir(o.WorkingDir)
				opts.SetUser(o.User)
				opts.SetComment(o.Comment)
			}
			return capi.Engine_image_import(h, path, fd, opts, &id)
		})
	})
	return id, err
}

// CreateDefault creates the built-in "busybox:latest" image from a static
// busybox binary ("" for /bin/busybox) and returns its ID.
func (im Images) CreateDefault(busyboxPath string) (string, error) {
	var id string
	err := im.c.with("Images.CreateDefault", func(h capi.Struct_SS_engine_context) error {
		return call("Images.CreateDefault", func() int {
			return capi.Engine_image_create_default(h, busyboxPath, &id)
		})
	})
	return id, err
}

// ImageSummary is one image of a listing.
type ImageSummary struct {
	ID      string
	Tags    []string
	Created int64 // Unix seconds, 0 when unknown
	Size    int64 // bytes of its unpacked layers
}

// List lists the stored images, newest first.
func (im Images) List() ([]ImageSummary, error) {
	var out []ImageSummary
	err := im.c.with("Images.List", func(h capi.Struct_SS_engine_context) error {
		var lp uintptr
		if err := call("Images.List", func() int { return capi.Engine_image_list_new(h, &lp) }); err != nil {
			return err
		}
		list := capi.SwigcptrStruct_SS_engine_image_list(lp)
		defer capi.Engine_image_list_free(list)
		n := capi.Engine_image_list_count(list)
		out = make([]ImageSummary, 0, n)
		for i := int64(0); i < int64(n); i++ {
			s := capi.Engine_image_list_get(list, i)
			out = append(out, ImageSummary{ID: s.GetId(), Tags: s.Tag_list(), Created: s.GetCreated(), Size: s.GetSize()})
		}
		return nil
	})
	return out, err
}

// Image is an image's identity and config.
type Image struct {
	ID         string
	Tags       []string
	Env        []string
	Cmd        []string
	Entrypoint []string
	WorkingDir string
	User       string
	Layers     []string // layer blob digests, lowest first
	DiffIDs    []string // uncompressed layer digests, lowest first
}

// Get opens an image by tag, full or short ID; errors.Is(err, ErrNotFound)
// when there is none.
func (im Images) Get(ref string) (*Image, error) {
	var img *Image
	err := im.c.with("Images.Get", func(h capi.Struct_SS_engine_context) error {
		var ip uintptr
		if err := call("Images.Get", func() int { return capi.Engine_image_open(h, ref, &ip) }); err != nil {
			return err
		}
		p := capi.SwigcptrStruct_SS_engine_image(ip)
		defer capi.Engine_image_free(p)
		img = &Image{
			ID:         capi.Engine_image_id(p),
			Tags:       capi.Engine_image_tags(p),
			Env:        capi.Engine_image_env(p),
			Cmd:        capi.Engine_image_cmd(p),
			Entrypoint: capi.Engine_image_entrypoint(p),
			WorkingDir: capi.Engine_image_working_dir(p),
			User:       capi.Engine_image_user(p),
			Layers:     capi.Engine_image_layers(p),
			DiffIDs:    capi.Engine_image_diff_ids(p),
		}
		return nil
	})
	return img, err
}

// Inspect returns Docker-compatible inspect JSON of an image.
func (im Images) Inspect(ref string) (json.RawMessage, error) {
	var s string
	err := im.c.with("Images.Inspect", func(h capi.Struct_SS_engine_context) error {
		return call("Images.Inspect", func() int { return capi.Engine_image_inspect(h, ref, &s) })
	})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}

// History returns the image's history as the Docker Engine API gives it
// (newest first: Id, Created, CreatedBy, Tags, Size, Comment).
func (im Images) History(ref string) (json.RawMessage, error) {
	var s string
	err := im.c.with("Images.History", func(h capi.Struct_SS_engine_context) error {
		return call("Images.History", func() int { return capi.Engine_image_history(h, ref, &s) })
	})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(s), nil
}

// Tag points tag dst at the image src names.
func (im Images) Tag(src, dst string) error {
	return im.c.with("Images.Tag", func(h capi.Struct_SS_engine_context) error {
		return call("Images.Tag", func() int { return capi.Engine_image_tag(h, src, dst) })
	})
}

// Remove untags ref and deletes the image once untagged, like `docker
// rmi`; it returns Docker's report lines ("Untagged: ...", "Deleted: ...").
func (im Images) Remove(ref string, force bool) ([]string, error) {
	var report []string
	err := im.c.with("Images.Remove", func(h capi.Struct_SS_engine_context) error {
		opts := capi.NewEngine_image_remove_options()
		defer capi.DeleteEngine_image_remove_options(opts)
		return call("Images.Remove", func() int {
			if rc := capi.Engine_image_remove_options_init(opts, uint(capi.ENGINE_IMAGE_REMOVE_OPTIONS_VERSION)); rc < 0 {
				return rc
			}
			if force {
				opts.SetForce(1)
			}
			return capi.Engine_image_remove(h, ref, opts, &report)
		})
	})
	return report, err
}

// Archive formats for Images.Save (the header's ENGINE_IMAGE_FORMAT_*, through SWIG).
var (
	FormatOCI           = int(capi.ENGINE_IMAGE_FORMAT_OCI)
	FormatDockerArchive = int(capi.ENGINE_IMAGE_FORMAT_DOCKER_ARCHIVE)
)

// Save writes the images refs names to a tar at path.
func (im Images) Save(refs []string, path string, format int) error {
	return im.c.with("Images.Save", func(h capi.Struct_SS_engine_context) error {
		return call("Images.Save", func() int { return capi.Engine_image_save(h, refs, path, format) })
	})
}

// Unpack writes the image's flattened rootfs to dir (missing or empty).
func (im Images) Unpack(ref, dir string) error {
	return im.c.with("Images.Unpack", func(h capi.Struct_SS_engine_context) error {
		return call("Images.Unpack", func() int { return capi.Engine_image_unpack(h, ref, dir) })
	})
}

// kvList turns a map into sorted "k=v" entries (sorted: deterministic images).
func kvList(m map[string]string) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
