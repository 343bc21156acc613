-- Pandian schema version 1: scans, devices (latest view), observations
-- (append-only history of what each scan saw).

CREATE TABLE scans (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    targets      TEXT    NOT NULL,
    addresses    INTEGER NOT NULL,
    hosts_up     INTEGER,
    snmp_ok      INTEGER,
    status       TEXT    NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    error        TEXT
);

CREATE TABLE devices (
    id              INTEGER PRIMARY KEY,
    ip              TEXT    NOT NULL,
    mac             TEXT,
    serial          TEXT,
    hostname        TEXT,
    class           TEXT,
    vendor          TEXT,
    model           TEXT,
    os              TEXT,
    vendor_origin   TEXT,
    snmp_credential TEXT,
    first_seen      TEXT    NOT NULL,
    last_seen       TEXT    NOT NULL,
    last_scan_id    INTEGER NOT NULL REFERENCES scans(id),
    data            TEXT    NOT NULL  -- the latest sighting, as API JSON
);
CREATE INDEX devices_ip ON devices(ip);
CREATE INDEX devices_mac ON devices(mac);
CREATE INDEX devices_serial ON devices(serial);

CREATE TABLE observations (
    id         INTEGER PRIMARY KEY,
    scan_id    INTEGER NOT NULL REFERENCES scans(id),
    device_id  INTEGER NOT NULL REFERENCES devices(id),
    time       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL
);
CREATE INDEX observations_device ON observations(device_id, time);
