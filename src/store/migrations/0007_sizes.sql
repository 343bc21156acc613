-- Pandian schema version 7: each observation's size in bytes and its line
-- count (an SNMP subtree's values), written with the row. A device page
-- tells a long value by its size and compares short ones line by line;
-- counting lines in SQL read every long value in full at every view (a
-- switch's forwarding table is 170 KB). Rows written before are counted
-- here, once.

ALTER TABLE observations ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observations ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;
UPDATE observations SET
    size = length(CAST(value AS BLOB)),
    lines = length(value) - length(replace(value, char(10), '')) + (value <> '');
