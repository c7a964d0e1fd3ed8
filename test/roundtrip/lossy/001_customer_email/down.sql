-- the column comes back, its values do not
ALTER TABLE customer ADD COLUMN email text;
