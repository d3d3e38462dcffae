package engine

import "libengine.local/engine/internal/capi"

// StoreUsage is the disk usage of a store, like `docker system df`.
type StoreUsage struct {
	Images, ImagesSize         int64
	Layers                     int64
	Blobs, BlobsSize           int64
	Containers, ContainersSize int64
	Reclaimable                int64
}

// StoreUsage reports counts and bytes of images, layers, blobs and containers.
func (c *Context) StoreUsage() (StoreUsage, error) {
	var u StoreUsage
	err := c.with("StoreUsage", func(h capi.Struct_SS_engine_context) error {
		p := capi.NewEngine_store_usage()
		defer capi.DeleteEngine_store_usage(p)
		if err := call("StoreUsage", func() int {
			if rc := capi.Engine_store_usage_init(p, uint(capi.ENGINE_STORE_USAGE_VERSION)); rc < 0 {
				return rc
			}
			return capi.Engine_store_usage_get(h, p)
		}); err != nil {
			return err
		}
		u = StoreUsage{p.GetImages(), p.GetImages_size(), p.GetLayers(), p.GetBlobs(), p.GetBlobs_size(),
			p.GetContainers(), p.GetContainers_size(), p.GetReclaimable()}
		return nil
	})
	return u, err
}

// Prune removes what nothing references (and, with allUntagged, untagged
// images no container uses); it returns the bytes freed.
func (c *Context) Prune(allUntagged bool) (int64, error) {
	var n int64
	err := c.with("Prune", func(h capi.Struct_SS_engine_context) error {
		all := 0
		if allUntagged {
			all = 1
		}
		return call("Prune", func() int { return capi.Engine_store_prune(h, all, &n) })
	})
	return n, err
}

// CheckStore verifies blobs, layers and images; it returns one line per
// problem found (none: the store is clean).
func (c *Context) CheckStore() ([]string, error) {
	var problems []string
	err := c.with("CheckStore", func(h capi.Struct_SS_engine_context) error {
		return call("CheckStore", func() int { return capi.Engine_store_check(h, &problems) })
	})
	return problems, err
}
