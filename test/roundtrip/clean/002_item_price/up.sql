-- needs the table of 001_item
ALTER TABLE item ADD COLUMN price numeric(10,2) NOT NULL DEFAULT 0;
