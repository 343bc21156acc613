-- Pandian schema version 6: indexes for the page's reads at 65,000
-- devices (benches/web_load.rs loads them). Indexes only: nothing derived
-- changes, so no rebuild is needed.

-- A filter on class, origin or vendor, listed by address (the default
-- sort): the filter's index holds its devices in address order, so a page
-- reads its 101 rows and stops. Keyed by (value, id) alone, a filter
-- matching nearly every device (origin unknown over a /16) sorted all
-- 65,000 for each page: 47 ms.
DROP INDEX devices_live_class;
CREATE INDEX devices_live_class ON devices(class, ip_key, id) WHERE merged_into IS NULL;
DROP INDEX devices_live_origin;
CREATE INDEX devices_live_origin ON devices(vendor_origin, ip_key, id) WHERE merged_into IS NULL;
DROP INDEX devices_live_vendor_nocase;
CREATE INDEX devices_live_vendor_nocase ON devices(vendor COLLATE NOCASE, ip_key, id) WHERE merged_into IS NULL;

-- Open findings counted by severity, acknowledged or not, from the index
-- alone (the counts of the overview, the dashboard and /metrics).
CREATE INDEX findings_state_severity ON findings(state, severity, key, first_run);

-- A device page's identity log names the device as either side of a
-- decision: without this, `other_id = ?` read every event.
CREATE INDEX identity_events_other ON identity_events(other_id, id) WHERE other_id IS NOT NULL;
