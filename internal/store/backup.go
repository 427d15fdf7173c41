package store

import (
	"context"
	"fmt"
	"os"
)

// SchemaVersion is the schema version this program writes and the newest
// it can open.
func SchemaVersion() int { return len(migrations) }

// Backup writes a consistent copy of the index to path with SQLite's
// VACUUM INTO: the copy reflects one moment (writers may go on meanwhile),
// holds no free pages and needs no WAL beside it. path must not exist;
// a failed backup removes what it wrote.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("back up index %s to %s: the file exists", s.path, path)
	}
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("back up index %s to %s: %w", s.path, path, err)
	}
	return nil
}
