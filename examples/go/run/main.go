// Command run runs a command in a container and prints what it wrote.
//
//	run [-root DIR] [-config FILE] [-default-image] IMAGE [CMD...]    e.g.  run busybox echo hello
//
// -default-image first creates the built-in busybox:latest from /bin/busybox;
// -config names a daemon.json-style file ({"cgroup-parent": "..."}, ...).
// Build (from examples/go): PKG_CONFIG_PATH=<build>/bindings/go go build ./run
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"libengine.local/engine"
)

func main() {
	root := flag.String("root", "", "libengine root (default /var/lib/engine)")
	config := flag.String("config", "", "daemon.json-style config file (default none)")
	createDefault := flag.Bool("default-image", false, "create busybox:latest first")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: run [-root DIR] [-config FILE] [-default-image] IMAGE [CMD...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*root, *config, *createDefault, flag.Arg(0), flag.Args()[1:]))
}

func run(root, config string, createDefault bool, image string, cmd []string) int {
	ctx, err := engine.Open(engine.Options{Root: root, ConfigPath: config})
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		return 125
	}
	defer ctx.Close()
	if createDefault {
		if _, err := ctx.Images().CreateDefault(""); err != nil {
			fmt.Fprintln(os.Stderr, "run:", err)
			return 125
		}
	}
	if len(cmd) == 0 {
		cmd = nil // the image's command
	}
	opts := &engine.RunOptions{Memory: "64m", PidsLimit: 64, Timeout: 30 * time.Second}
	if ctx.HasFeature("rootless") {
		// A normal user's containers get limits only where systemd
		// delegates a cgroup v2 subtree to them (README, rootless).
		opts.Memory, opts.PidsLimit = "", 0
	}
	res, err := ctx.Run(context.Background(), image, cmd, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		if res != nil {
			return res.ExitCode
		}
		return 125
	}
	os.Stdout.Write(res.Stdout)
	os.Stderr.Write(res.Stderr)
	extra := ""
	if res.OOMKilled {
		extra += ", OOM-killed"
	}
	if res.TimedOut {
		extra += ", timed out"
	}
	fmt.Printf("[exit %d%s, %.1f ms]\n", res.ExitCode, extra, float64(res.Duration.Microseconds())/1000)
	return res.ExitCode
}
