package lambdazip_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tandemsync/tandem/infra/lambdazip"
)

// build writes what `go build` leaves for a function, with the given file
// time and umask-dependent mode.
func build(t *testing.T, dir string, mtime time.Time, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(bootstrap, []byte("\x7fELF the same code"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(bootstrap, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bootstrap, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// Two builds of the same code, at different times and with different
// group/other permission bits, zip to the same bytes.
func TestRebuildGivesTheSameZip(t *testing.T) {
	tmp := t.TempDir()
	var zips [][]byte
	for i, b := range []struct {
		mtime time.Time
		mode  os.FileMode
	}{
		{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), 0o755},
		{time.Date(2026, 3, 2, 17, 30, 5, 0, time.FixedZone("CET", 3600)), 0o700},
	} {
		dir := filepath.Join(tmp, "build", "settings")
		build(t, dir, b.mtime, b.mode)
		dst := filepath.Join(tmp, "build", "settings.zip")
		if err := lambdazip.Dir(dst, dir); err != nil {
			t.Fatalf("build %d: %v", i, err)
		}
		raw, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		zips = append(zips, raw)
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Fatal("two builds of the same code gave different zips: every deploy would update every function")
	}

	r, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.File) != 1 || r.File[0].Name != "bootstrap" || r.File[0].Mode()&0o111 == 0 {
		t.Errorf("entries %v: want one executable bootstrap", r.File)
	}
}

func TestEmptyDirIsAnError(t *testing.T) {
	tmp := t.TempDir()
	if err := lambdazip.Dir(filepath.Join(tmp, "x.zip"), tmp); err == nil {
		t.Error("zipped an empty build directory")
	}
}
