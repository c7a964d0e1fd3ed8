ALTER TABLE tag ADD COLUMN color text NOT NULL DEFAULT 'grey';
-- needs the index of 0002
ALTER INDEX tag_name_idx RENAME TO tag_name_key;
