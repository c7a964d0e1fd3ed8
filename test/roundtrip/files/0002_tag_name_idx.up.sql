CREATE INDEX CONCURRENTLY tag_name_idx ON tag (name);
