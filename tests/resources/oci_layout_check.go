// Checks an OCI image layout against the image-spec (Debian's
// golang-github-opencontainers-image-spec-dev: its JSON schemas and Go
// validators): oci-layout, index.json, every manifest, index and config it
// reaches by their schemas; every descriptor's blob present with its size and
// digest; mediaType fields agreeing with their descriptors; layer media types
// the spec defines; ref.name annotations matching the spec's grammar.
// Built in GOPATH mode against /usr/share/gocode by the integration tests.
// Usage: oci_layout_check DIR; prints one line per problem, exits 1 if any.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	digest "github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/schema"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

var (
	dir      string
	problems int
	// image-spec annotations.md: ref ::= component ("/" component)*
	refName    = regexp.MustCompile(`^[A-Za-z0-9]+(([-._:@+]|--)[A-Za-z0-9]+)*(/[A-Za-z0-9]+(([-._:@+]|--)[A-Za-z0-9]+)*)*$`)
	layerTypes = map[string]bool{
		v1.MediaTypeImageLayer: true, v1.MediaTypeImageLayerGzip: true, v1.MediaTypeImageLayerZstd: true,
		"application/vnd.docker.image.rootfs.diff.tar.gzip": true,
	}
)

func bad(format string, a ...interface{}) {
	fmt.Printf(format+"\n", a...)
	problems++
}

func validate(mt schema.Validator, what string, b []byte) {
	if err := mt.Validate(bytes.NewReader(b)); err != nil {
		bad("%s: %v", what, err)
	}
}

// blob reads the blob a descriptor names and checks its size and digest.
func blob(d v1.Descriptor, what string) []byte {
	if err := d.Digest.Validate(); err != nil {
		bad("%s: digest %q: %v", what, d.Digest, err)
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, "blobs", d.Digest.Algorithm().String(), d.Digest.Encoded()))
	if err != nil {
		bad("%s: %v", what, err)
		return nil
	}
	if int64(len(b)) != d.Size {
		bad("%s: size %d, descriptor says %d", what, len(b), d.Size)
	}
	if digest.FromBytes(b) != d.Digest {
		bad("%s: content does not match %s", what, d.Digest)
	}
	return b
}

func mediaTypeField(b []byte, want, what string) {
	var v struct {
		MediaType string `json:"mediaType"`
	}
	if json.Unmarshal(b, &v) == nil && v.MediaType != "" && v.MediaType != want {
		bad("%s: mediaType %q, its descriptor says %q", what, v.MediaType, want)
	}
}

func walk(d v1.Descriptor, what string) {
	b := blob(d, what)
	if b == nil {
		return
	}
	mediaTypeField(b, d.MediaType, what)
	switch d.MediaType {
	case v1.MediaTypeImageIndex:
		validate(schema.ValidatorMediaTypeImageIndex, what, b)
		var idx v1.Index
		if err := json.Unmarshal(b, &idx); err != nil {
			bad("%s: %v", what, err)
			return
		}
		for i, m := range idx.Manifests {
			walk(m, fmt.Sprintf("%s manifests[%d]", what, i))
		}
	case v1.MediaTypeImageManifest:
		validate(schema.ValidatorMediaTypeManifest, what, b)
		var m v1.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			bad("%s: %v", what, err)
			return
		}
		if m.Config.MediaType != v1.MediaTypeImageConfig {
			bad("%s: config mediaType %q", what, m.Config.MediaType)
		}
		if c := blob(m.Config, what+" config"); c != nil {
			validate(schema.ValidatorMediaTypeImageConfig, what+" config", c)
		}
		for i, l := range m.Layers {
			if !layerTypes[l.MediaType] {
				bad("%s layers[%d]: mediaType %q", what, i, l.MediaType)
			}
			blob(l, fmt.Sprintf("%s layers[%d]", what, i))
		}
	default:
		bad("%s: mediaType %q is neither an index nor a manifest", what, d.MediaType)
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: oci_layout_check DIR")
		os.Exit(2)
	}
	dir = os.Args[1]
	b, err := os.ReadFile(filepath.Join(dir, "oci-layout"))
	if err != nil {
		bad("%v", err)
	} else {
		validate(schema.ValidatorMediaTypeLayoutHeader, "oci-layout", b)
	}
	b, err = os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		bad("%v", err)
	} else {
		mediaTypeField(b, v1.MediaTypeImageIndex, "index.json")
		validate(schema.ValidatorMediaTypeImageIndex, "index.json", b)
		var idx v1.Index
		if err := json.Unmarshal(b, &idx); err != nil {
			bad("index.json: %v", err)
		}
		for i, m := range idx.Manifests {
			what := fmt.Sprintf("index.json manifests[%d]", i)
			if r, ok := m.Annotations[v1.AnnotationRefName]; ok && !refName.MatchString(r) {
				bad("%s: ref.name %q does not match the spec's grammar", what, r)
			}
			walk(m, what)
		}
	}
	if problems > 0 {
		os.Exit(1)
	}
	fmt.Println("conforms")
}
