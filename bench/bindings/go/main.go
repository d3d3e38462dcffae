// The Go side of bench/bindings: N ephemeral runs of `true` through
// ctx.Run; prints the median and the minimum per run in microseconds.
//
//	bench ROOT N
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"time"

	"libengine.local/engine"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: bench ROOT N")
		os.Exit(2)
	}
	n, _ := strconv.Atoi(os.Args[2])
	ctx, err := engine.Open(engine.Options{Root: os.Args[1]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer ctx.Close()
	bg := context.Background()
	cmd := []string{"true"}
	if _, err := ctx.Run(bg, "busybox", cmd, nil); err != nil { // warm-up
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	t := make([]float64, n)
	for i := range t {
		t0 := time.Now()
		res, err := ctx.Run(bg, "busybox", cmd, nil)
		t[i] = float64(time.Since(t0).Nanoseconds()) / 1e3
		if err != nil || res.ExitCode != 0 {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	sort.Float64s(t)
	fmt.Printf("%.1f %.1f\n", t[n/2], t[0])
}
