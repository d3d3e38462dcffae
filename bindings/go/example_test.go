package engine_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"libengine.local/engine"
)

// Run a command in a busybox container with an environment variable and
// limits, and print what it wrote.
func ExampleContext_Run() {
	ctx, err := engine.Open(engine.Options{Root: "/var/lib/engine"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ctx.Close()
	if _, err := ctx.Images().CreateDefault(""); err != nil {
		fmt.Println(err)
		return
	}
	res, err := ctx.Run(context.Background(), "busybox", []string{"sh", "-c", "echo $X"},
		&engine.RunOptions{Env: map[string]string{"X": "1"}, Memory: "64m", Timeout: 5 * time.Second})
	if errors.Is(err, engine.ErrNotFound) {
		fmt.Println("no such image or command:", err)
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("exit %d: %s", res.ExitCode, res.Stdout)
}

// A long-running container: start it, exec into it, then remove it.
func ExampleContext_Create() {
	ctx, err := engine.Open(engine.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ctx.Close()
	c, err := ctx.Create("busybox", []string{"sleep", "60"}, &engine.RunOptions{PidsLimit: 32})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Remove(true)
	if err := c.Start(); err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.Exec(context.Background(), []string{"hostname"}, nil)
	if err == nil {
		fmt.Printf("%s", res.Stdout)
	}
}
