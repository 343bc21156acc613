-- Pandian schema version 5: indexes for the API's filters (web::api), so
-- that filtering 65,000 devices reads an index, never the whole table.
-- Indexes only: nothing derived changes, so no rebuild is needed.

-- Merged devices only: as an index of every device, SQLite took
-- `merged_into IS NULL` for a selective lookup in it and sorted every live
-- device for each page of the list, where the partial index of the sort
-- key (devices_live_*) holds them in order already. `merged_into = ?`
-- (the devices merged into one) still uses it.
DROP INDEX devices_merged;
CREATE INDEX devices_merged ON devices(merged_into) WHERE merged_into IS NOT NULL;

-- Devices by origin, and by vendor compared case-insensitively (the
-- `vendor` filter; ASCII case, as SQLite's lower() folds it).
CREATE INDEX devices_live_origin ON devices(vendor_origin, id) WHERE merged_into IS NULL;
CREATE INDEX devices_live_vendor_nocase ON devices(vendor COLLATE NOCASE, id) WHERE merged_into IS NULL;

-- The runs of one job, newest first (`/api/v1/scans?job=`, `/api/v1/jobs`,
-- `/metrics`).
CREATE INDEX scans_job ON scans(job, id);

-- Findings by severity and by state, newest first.
CREATE INDEX findings_severity ON findings(severity, id);
CREATE INDEX findings_state ON findings(state, id);
