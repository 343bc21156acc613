-- Pandian schema version 2: SNMP inventory tables per device with history,
-- the latest raw SNMP values per device, the credential that last worked
-- per device, and the durable DES salt state of the SNMPv3 client.

-- One row per (device, table, content): a table that did not change since
-- the last scan only moves last_seen; a change adds a row. Never deleted.
CREATE TABLE snmp_tables (
    id             INTEGER PRIMARY KEY,
    device_id      INTEGER NOT NULL REFERENCES devices(id),
    table_name     TEXT    NOT NULL,  -- entities, interfaces, addresses, arp, fdb, neighbors, storage, host_devices, printer, ups
    rows           TEXT    NOT NULL,  -- JSON, as in the API's snmp object
    row_count      INTEGER NOT NULL,
    first_seen     TEXT    NOT NULL,
    last_seen      TEXT    NOT NULL,
    first_scan_id  INTEGER NOT NULL REFERENCES scans(id),
    last_scan_id   INTEGER NOT NULL REFERENCES scans(id)
);
CREATE INDEX snmp_tables_device ON snmp_tables(device_id, table_name, last_seen);

-- The latest raw values read from each device, as snmprec lines
-- (OID|TAG|VALUE, strings hex-encoded), for the fingerprint engine.
CREATE TABLE snmp_facts (
    device_id  INTEGER PRIMARY KEY REFERENCES devices(id),
    scan_id    INTEGER NOT NULL REFERENCES scans(id),
    time       TEXT    NOT NULL,
    facts      TEXT    NOT NULL
);

-- The credential (its name, never its secret) that last got an answer.
CREATE TABLE snmp_credential_memory (
    device_id     INTEGER PRIMARY KEY REFERENCES devices(id),
    ip            TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    last_success  TEXT    NOT NULL
);
CREATE INDEX snmp_credential_memory_ip ON snmp_credential_memory(ip);

-- SNMPv3 DES privacy salts must never repeat: the boots epoch is leased
-- here (install, then compare-and-set on each start).
CREATE TABLE snmp_des_salt (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    engine_boots  INTEGER NOT NULL
);
