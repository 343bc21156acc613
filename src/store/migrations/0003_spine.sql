-- Pandian schema version 3: observations are the record; devices are
-- derived from them.
--
-- Primary (never touched by a rebuild): scans (runs), jobs, subjects,
-- observations (collapsed by change), latest_values (what changes at every
-- look, latest only), credential_memory, snmp_des_salt.
-- Derived (`pandian rebuild` regenerates them from the observations, with
-- the same ids): devices, device_addresses, device_macs, device_keys,
-- device_subjects, identity_events, fingerprints.
-- The tables of versions 1 and 2 stay, renamed legacy_*, after their
-- contents were converted into observations (nothing is lost).

ALTER TABLE devices RENAME TO legacy_devices;
ALTER TABLE observations RENAME TO legacy_observations;
ALTER TABLE snmp_tables RENAME TO legacy_snmp_tables;
ALTER TABLE snmp_facts RENAME TO legacy_snmp_facts;
ALTER TABLE snmp_credential_memory RENAME TO legacy_snmp_credential_memory;
DROP INDEX IF EXISTS devices_ip;
DROP INDEX IF EXISTS devices_mac;
DROP INDEX IF EXISTS devices_serial;

ALTER TABLE scans ADD COLUMN job TEXT NOT NULL DEFAULT 'default';
-- The order in which derived tables took each run in (replayed by rebuild).
ALTER TABLE scans ADD COLUMN applied_seq INTEGER;
-- Devices the answering addresses are (hosts_up counts addresses).
ALTER TABLE scans ADD COLUMN devices INTEGER;
-- Addresses left out by exclusions.
ALTER TABLE scans ADD COLUMN excluded INTEGER;
-- The run's parameters (rate, timeouts, credentials by name), JSON.
ALTER TABLE scans ADD COLUMN params TEXT;
CREATE UNIQUE INDEX scans_applied ON scans(applied_seq) WHERE applied_seq IS NOT NULL;

CREATE TABLE jobs (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);
INSERT INTO jobs (id, name) VALUES (1, 'default');

-- Who a sighting is recorded under: an address and the MAC that answered
-- for it ('' when none).
CREATE TABLE subjects (
    id   INTEGER PRIMARY KEY,
    ip   TEXT NOT NULL DEFAULT '',
    mac  TEXT NOT NULL DEFAULT '',
    UNIQUE (ip, mac)
);

-- The record. One row per (subject, job, source, key, value) and run
-- interval: seen again in the job's next run, the row's last_run moves;
-- otherwise a new row starts. So the tuples a run saw are exactly the rows
-- of its job with first_run <= run <= last_run.
CREATE TABLE observations (
    id          INTEGER PRIMARY KEY,
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    job_id      INTEGER NOT NULL REFERENCES jobs(id),
    source      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    first_run   INTEGER NOT NULL REFERENCES scans(id),
    last_run    INTEGER NOT NULL REFERENCES scans(id),
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL
);
CREATE INDEX observations_chain ON observations(subject_id, job_id, last_run);
CREATE INDEX observations_run ON observations(job_id, last_run, first_run);
CREATE INDEX observations_first ON observations(first_run);

CREATE TABLE latest_values (
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    source      TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    run_id      INTEGER NOT NULL,
    time        TEXT    NOT NULL,
    PRIMARY KEY (subject_id, source, key)
) WITHOUT ROWID;

-- The credential (its name) that last got an answer at each address.
CREATE TABLE credential_memory (
    ip            TEXT PRIMARY KEY,
    credential    TEXT NOT NULL,
    version       TEXT NOT NULL,
    last_success  TEXT NOT NULL
);

-- Derived: one row per device ever made; a device found to be another one
-- keeps its row, pointing at the survivor (ids are never reused).
CREATE TABLE devices (
    id              INTEGER PRIMARY KEY,
    merged_into     INTEGER REFERENCES devices(id),
    ip              TEXT,
    ip_key          BLOB,
    mac             TEXT,
    mac_vendor      TEXT,
    mac_randomized  INTEGER NOT NULL DEFAULT 0,
    hostname        TEXT,
    sys_name        TEXT,
    sys_descr       TEXT,
    sys_object_id   TEXT,
    sys_contact     TEXT,
    sys_location    TEXT,
    class           TEXT,
    vendor          TEXT,
    model           TEXT,
    serial          TEXT,
    os              TEXT,
    firmware        TEXT,
    vendor_origin   TEXT,
    confidence      REAL,
    snmp_version    TEXT,
    snmp_credential TEXT,
    seen_by         TEXT NOT NULL DEFAULT '',
    seen_via        TEXT,
    search          TEXT NOT NULL DEFAULT '',
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    first_run       INTEGER NOT NULL,
    last_run        INTEGER NOT NULL
);
CREATE INDEX devices_merged ON devices(merged_into);
CREATE INDEX devices_live_ip ON devices(ip_key, id) WHERE merged_into IS NULL;
CREATE INDEX devices_live_last ON devices(last_seen, id) WHERE merged_into IS NULL;
CREATE INDEX devices_live_first ON devices(first_seen, id) WHERE merged_into IS NULL;
CREATE INDEX devices_live_vendor ON devices(vendor, id) WHERE merged_into IS NULL;
CREATE INDEX devices_live_class ON devices(class, id) WHERE merged_into IS NULL;

CREATE TABLE device_addresses (
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    ip          TEXT    NOT NULL,
    ip_key      BLOB    NOT NULL,
    mac         TEXT,
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    last_run    INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    PRIMARY KEY (device_id, ip)
) WITHOUT ROWID;
CREATE INDEX device_addresses_ip ON device_addresses(ip_key);

CREATE TABLE device_macs (
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    mac         TEXT    NOT NULL,
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    last_run    INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    PRIMARY KEY (device_id, mac)
) WITHOUT ROWID;
CREATE INDEX device_macs_mac ON device_macs(mac);

-- Identity keys (serial, chassis_mac, engine_id, sys_name, hostname, ...)
-- and the agent's own addresses (kind agent_ip).
CREATE TABLE device_keys (
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    PRIMARY KEY (device_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX device_keys_value ON device_keys(kind, value);

-- MACs seen answering for several addresses in one run (proxy ARP, a
-- router answering for a routed subnet): never an identity key again.
CREATE TABLE shared_macs (
    mac        TEXT PRIMARY KEY,
    first_run  INTEGER NOT NULL
) WITHOUT ROWID;

-- Which device each subject was, over which runs.
CREATE TABLE device_subjects (
    subject_id  INTEGER NOT NULL REFERENCES subjects(id),
    first_run   INTEGER NOT NULL,
    last_run    INTEGER NOT NULL,
    device_id   INTEGER NOT NULL REFERENCES devices(id),
    strength    TEXT    NOT NULL,
    PRIMARY KEY (subject_id, first_run)
) WITHOUT ROWID;
CREATE INDEX device_subjects_device ON device_subjects(device_id, last_run);

-- Every decision about who is who, with the facts that made it.
CREATE TABLE identity_events (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    time        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('new', 'merge', 'split', 'join')),
    device_id   INTEGER NOT NULL,
    other_id    INTEGER,
    strength    TEXT    NOT NULL,
    facts       TEXT    NOT NULL   -- JSON list of strings
);
CREATE INDEX identity_events_device ON identity_events(device_id, id);

-- The fingerprint of each device (the engine's identity with evidence).
CREATE TABLE fingerprints (
    device_id   INTEGER PRIMARY KEY REFERENCES devices(id),
    run_id      INTEGER NOT NULL,
    identity    TEXT    NOT NULL   -- JSON
);

-- Whether the derived tables must be rebuilt (after this migration, or a
-- rebuild that was interrupted).
CREATE TABLE store_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
INSERT INTO store_state (key, value) VALUES ('derived', 'stale');
