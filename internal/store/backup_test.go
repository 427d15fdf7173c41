package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

func TestBackup(t *testing.T) {
	s, _ := openTest(t)
	commit(t, s, "venue", []byte("cursor"), fullPaper(), paper.Paper{ID: "b", Title: "Zyzzyva paper"})
	dst := filepath.Join(t.TempDir(), "copy.sqlite")
	if err := s.Backup(t.Context(), dst); err != nil {
		t.Fatal(err)
	}
	// Writes after the backup do not reach the copy.
	commit(t, s, "venue", []byte("later"), paper.Paper{ID: "c", Title: "After the backup"})

	c, err := Open(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, err := c.Count(t.Context()); err != nil || n != 2 {
		t.Fatalf("copy holds %d papers (err %v), want 2", n, err)
	}
	want, _ := s.Paper(t.Context(), fullPaper().ID)
	got, err := c.Paper(t.Context(), fullPaper().ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("paper in the copy (-want +got):\n%s", d)
	}
	if cp, err := c.Checkpoint(t.Context(), "venue"); err != nil || string(cp) != "cursor" {
		t.Errorf("checkpoint in the copy = %q (err %v), want cursor", cp, err)
	}
	if err := c.Check(t.Context()); err != nil {
		t.Error(err)
	}
	if hits, err := c.Search(t.Context(), Query{Text: "zyzzyva"}); err != nil || len(hits) != 1 {
		t.Errorf("keyword search in the copy: %d hits (err %v), want 1", len(hits), err)
	}
}

func TestBackupRefusesExistingFile(t *testing.T) {
	s, _ := openTest(t)
	dst := filepath.Join(t.TempDir(), "copy.sqlite")
	if err := os.WriteFile(dst, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(t.Context(), dst); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	if b, _ := os.ReadFile(dst); string(b) != "keep me" {
		t.Errorf("existing file changed to %q", b)
	}
}
