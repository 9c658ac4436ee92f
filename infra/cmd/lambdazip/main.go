// Command lambdazip zips each function's build directory reproducibly, for
// `make build`:
//
//	go run ./cmd/lambdazip -dir ../build settings webhook …
//
// writes ../build/<name>.zip from ../build/<name>/.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tandemsync/tandem/infra/lambdazip"
)

func main() {
	dir := flag.String("dir", "../build", "directory holding one sub-directory per function")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: lambdazip -dir <build dir> <function>…")
		os.Exit(2)
	}
	for _, name := range flag.Args() {
		if err := lambdazip.Dir(filepath.Join(*dir, name+".zip"), filepath.Join(*dir, name)); err != nil {
			fmt.Fprintln(os.Stderr, "lambdazip:", err)
			os.Exit(1)
		}
	}
}
