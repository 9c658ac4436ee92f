// Package lambdazip writes a Lambda deployment zip that depends only on the
// files' names, contents and executable bits: entries in name order, one
// fixed time, no owner or extra attributes. Two builds of unchanged code
// therefore give byte-identical zips, so the CDK asset hashes stay the same
// and `cdk diff` shows no code change (zip(1) would store each file's time).
package lambdazip

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Epoch is the time every entry carries: the earliest a zip can hold.
var Epoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Dir zips the regular files of dir (recursively, paths relative to dir)
// into dst, replacing it atomically.
func Dir(dst, dir string) error {
	var names []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, path)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("lambdazip: no files in %s", dir)
	}
	sort.Strings(names)

	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := zip.NewWriter(tmp)
	for _, name := range names {
		if err := add(w, dir, name); err != nil {
			tmp.Close()
			return err
		}
	}
	if err := w.Close(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

func add(w *zip.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	// Only the executable bit matters to Lambda (bootstrap must have it).
	mode := fs.FileMode(0o644)
	if info.Mode()&0o111 != 0 {
		mode = 0o755
	}
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: Epoch}
	h.SetMode(mode)
	entry, err := w.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(entry, f)
	return err
}
