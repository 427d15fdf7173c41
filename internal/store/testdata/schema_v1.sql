-- A file at schema version 1 (records only, no search index), written the
-- way Open did it: page size, WAL, then the statements of migration 1
-- verbatim in one transaction, then a few records. The schema part must
-- match migration 1 exactly.
PRAGMA page_size = 16384;
PRAGMA journal_mode = WAL;
BEGIN;
PRAGMA application_id = 1330792041;
CREATE TABLE venues (
	id          TEXT PRIMARY KEY,
	label       TEXT NOT NULL,
	title       TEXT NOT NULL,
	year        INTEGER NOT NULL,
	api_version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE papers (
	pk           INTEGER PRIMARY KEY,
	id           TEXT NOT NULL UNIQUE,
	forum        TEXT NOT NULL,
	number       INTEGER NOT NULL,
	venue_id     TEXT NOT NULL,
	venue        TEXT NOT NULL,
	venue_raw    TEXT NOT NULL,
	year         INTEGER NOT NULL,
	api_version  INTEGER NOT NULL,
	status       TEXT NOT NULL,
	presentation TEXT NOT NULL,
	title        TEXT NOT NULL,
	abstract     TEXT NOT NULL,
	tldr         TEXT NOT NULL,
	authors      TEXT,
	author_ids   TEXT,
	keywords     TEXT,
	primary_area TEXT NOT NULL,
	forum_url    TEXT NOT NULL,
	pdf_url      TEXT NOT NULL,
	bibtex       TEXT NOT NULL,
	created      INTEGER,
	modified     INTEGER,
	published    INTEGER,
	incomplete   INTEGER NOT NULL
);
CREATE TABLE checkpoints (
	key     TEXT PRIMARY KEY,
	data    BLOB NOT NULL,
	updated INTEGER NOT NULL
);
PRAGMA user_version = 1;

INSERT INTO venues VALUES ('ICLR.cc/2023/Conference', 'ICLR 2023', 'International Conference on Learning Representations', 2023, 1);
INSERT INTO papers VALUES (1, 'v1paper', 'v1paper', 7, 'ICLR.cc/2023/Conference', 'ICLR 2023', 'ICLR 2023 poster', 2023, 1,
	'accepted', 'poster', 'Sparse Attention Revisited', 'We revisit sparse attention.', '',
	'Zoë Ünal' || char(31) || 'Li Wei', '~Zoe_Unal1' || char(31), 'Sparse Attention', '',
	'https://openreview.net/forum?id=v1paper', '', '', 1663000000000, NULL, NULL, 0);
INSERT INTO checkpoints VALUES ('ICLR.cc/2023/Conference', CAST('{"after":"v1paper"}' AS BLOB), 1663000000000);
COMMIT;
