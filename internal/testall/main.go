// Command testall runs every test of every Go module in the repository with the race detector: it finds each
// go.mod below the current directory and runs `go test -race ./...` there, passing any extra arguments on to go
// test. It exits non-zero if any module fails. This is the README's test command:
//
//	go run ./internal/testall
package main

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	var modules []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			modules = append(modules, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testall:", err)
		os.Exit(2)
	}
	failed := 0
	for _, dir := range modules {
		args := append([]string{"test", "-race"}, os.Args[1:]...)
		args = append(args, "./...")
		fmt.Printf("=== module %s: go %s\n", dir, strings.Join(args, " "))
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Printf("=== module %s: FAIL (%v)\n", dir, err)
			failed++
		}
	}
	fmt.Printf("testall: modules passed %d of %d\n", len(modules)-failed, len(modules))
	if failed > 0 {
		os.Exit(1)
	}
}
