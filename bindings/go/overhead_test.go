package engine

import (
	"testing"

	"libengine.local/engine/internal/capi"
)

// BenchmarkRunWrapper is the Go binding's own share of Context.Run without
// the container: building and freeing the spec, converting the result.
// bench/bindings/run.sh reports it next to the C run it wraps.
func BenchmarkRunWrapper(b *testing.B) {
	cmd := []string{"true"}
	for i := 0; i < b.N; i++ {
		s, err := newSpec("Run", "busybox", cmd, &RunOptions{})
		if err != nil {
			b.Fatal(err)
		}
		capi.Engine_spec_free(s)
		takeResult(capi.NewEngine_run_result().Swigcptr())
	}
}
