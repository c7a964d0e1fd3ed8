ALTER TABLE customer ADD COLUMN visits integer NOT NULL DEFAULT 0;
INSERT INTO customer (name) VALUES ('walk-in');
