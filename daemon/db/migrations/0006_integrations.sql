-- zkbiod schema, version 6: integrations (issue 16): forwarding targets and their transactional
-- outbox, the keys of the inbound Frappe-style punch endpoints, BioTime-style static tokens, and
-- the personnel model of the BioTime-compatible API (employees with departments, positions and
-- areas; an area is a sync group).
-- Sources: shared reference integrations.md §1.4-1.7 (BioTime fields), §2.2-2.5 (Frappe),
-- §3.3 (outbox states).
@SQLITE@
-- users get a numeric id (BioTime employees are addressed by it); SQLite cannot add an
-- AUTOINCREMENT key, so the table is rebuilt in the step's transaction, ids in PIN order.
CREATE TABLE users_v6 (
 id @ID@,
 pin VARCHAR(24) NOT NULL UNIQUE,
 name VARCHAR(128) NOT NULL DEFAULT '',
 privilege INTEGER NOT NULL DEFAULT 0,
 password VARCHAR(64) NOT NULL DEFAULT '',
 card VARCHAR(32) NOT NULL DEFAULT '',
 grp VARCHAR(16) NOT NULL DEFAULT '',
 tz VARCHAR(32) NOT NULL DEFAULT '',
 verify INTEGER NOT NULL DEFAULT -1,
 vice_card VARCHAR(32) NOT NULL DEFAULT '',
 start_datetime VARCHAR(32) NOT NULL DEFAULT '',
 end_datetime VARCHAR(32) NOT NULL DEFAULT '',
 sync_group VARCHAR(64) NOT NULL DEFAULT 'default',
 hash CHAR(64) NOT NULL,
 source_sn VARCHAR(40) NOT NULL DEFAULT '',
 updated_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO users_v6 (pin, name, privilege, password, card, grp, tz, verify, vice_card,
 start_datetime, end_datetime, sync_group, hash, source_sn, updated_at)
 SELECT pin, name, privilege, password, card, grp, tz, verify, vice_card, start_datetime,
 end_datetime, sync_group, hash, source_sn, updated_at FROM users ORDER BY pin;
DROP TABLE users;
ALTER TABLE users_v6 RENAME TO users;
@MARIADB@
ALTER TABLE users ADD COLUMN IF NOT EXISTS id BIGINT NOT NULL AUTO_INCREMENT FIRST,
 ADD UNIQUE KEY IF NOT EXISTS users_id (id);
@BOTH@
-- ---- forwarding targets (daemon/forward; docs/integrations.md) ----------------------------
CREATE TABLE IF NOT EXISTS forwarders (
 id @ID@,
 name VARCHAR(64) NOT NULL UNIQUE,
 kind VARCHAR(24) NOT NULL, -- erpnext | erpnext-realtime | webhook
 url VARCHAR(1024) NOT NULL,
 state VARCHAR(16) NOT NULL DEFAULT 'active', -- active | paused
 paused_reason VARCHAR(255) NOT NULL DEFAULT '',
 device_filter INTEGER NOT NULL DEFAULT 0, -- 1: only the SNs listed in forwarder_filters
 group_filter INTEGER NOT NULL DEFAULT 0, -- 1: only devices of the listed sync groups
 settings @TEXT@, -- JSON: kind-specific settings, secrets included (never returned by the API)
 source VARCHAR(8) NOT NULL DEFAULT 'api', -- api | config
 lease_owner VARCHAR(64) NOT NULL DEFAULT '', -- the zkbiod process delivering it
 lease_until BIGINT NOT NULL DEFAULT 0,
 last_error VARCHAR(512) NOT NULL DEFAULT '',
 last_error_at BIGINT NOT NULL DEFAULT 0,
 last_success_at BIGINT NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL,
 updated_at BIGINT NOT NULL
)@T@;
CREATE TABLE IF NOT EXISTS forwarder_filters (
 forwarder_id BIGINT NOT NULL,
 kind VARCHAR(8) NOT NULL, -- device | group
 value VARCHAR(64) NOT NULL,
 PRIMARY KEY (forwarder_id, kind, value)
)@T@;
-- One row per (target, punch), written by the trigger below in the transaction that stores the
-- punch, whatever stored it. States: pending (due at next_at), delivered, duplicate (the target
-- already had it: counted as delivered), parked (the target refused the record itself: unknown
-- or inactive employee; waits for an operator), failed (a permanent error of another kind).
-- Rows leave only by delivery (then the retention sweep) or an operator's drop.
CREATE TABLE IF NOT EXISTS outbox (
 id @ID@,
 forwarder_id BIGINT NOT NULL,
 attendance_id BIGINT NOT NULL,
 state VARCHAR(12) NOT NULL DEFAULT 'pending',
 attempts INTEGER NOT NULL DEFAULT 0,
 next_at BIGINT NOT NULL DEFAULT 0,
 sent_time VARCHAR(40) NOT NULL DEFAULT '', -- the timestamp as first sent; resent byte for byte
 last_status INTEGER NOT NULL DEFAULT 0,
 last_error VARCHAR(512) NOT NULL DEFAULT '',
 created_at BIGINT NOT NULL,
 updated_at BIGINT NOT NULL DEFAULT 0,
 delivered_at BIGINT NOT NULL DEFAULT 0,
 UNIQUE (forwarder_id, attendance_id)
)@T@;
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (forwarder_id, state, next_at, id);
@SQLITE@
CREATE TRIGGER IF NOT EXISTS attendance_outbox AFTER INSERT ON attendance
BEGIN
INSERT OR IGNORE INTO outbox (forwarder_id, attendance_id, created_at, updated_at)
 SELECT f.id, NEW.id, NEW.received_at, NEW.received_at FROM forwarders f
 WHERE (f.device_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff
 WHERE ff.forwarder_id = f.id AND ff.kind = 'device' AND ff.value = NEW.sn))
 AND (f.group_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff JOIN devices d
 ON d.sync_group = ff.value WHERE ff.forwarder_id = f.id AND ff.kind = 'group'
 AND d.sn = NEW.sn));
END;
@MARIADB@
CREATE TRIGGER IF NOT EXISTS attendance_outbox AFTER INSERT ON attendance FOR EACH ROW
INSERT IGNORE INTO outbox (forwarder_id, attendance_id, created_at, updated_at)
 SELECT f.id, NEW.id, NEW.received_at, NEW.received_at FROM forwarders f
 WHERE (f.device_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff
 WHERE ff.forwarder_id = f.id AND ff.kind = 'device' AND ff.value = NEW.sn))
 AND (f.group_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff JOIN devices d
 ON d.sync_group = ff.value WHERE ff.forwarder_id = f.id AND ff.kind = 'group'
 AND d.sn = NEW.sn));
@BOTH@
-- ---- keys of the inbound Frappe-style endpoints (Authorization: token key:secret) ---------
CREATE TABLE IF NOT EXISTS integration_keys (
 id @ID@,
 api_key VARCHAR(64) NOT NULL UNIQUE,
 secret_hash CHAR(64) NOT NULL, -- SHA-256 of the 256-bit secret, hex
 name VARCHAR(128) NOT NULL DEFAULT '',
 created_by VARCHAR(255) NOT NULL DEFAULT '',
 created_at BIGINT NOT NULL,
 last_used_at BIGINT NOT NULL DEFAULT 0,
 revoked_at BIGINT NOT NULL DEFAULT 0
)@T@;
-- ---- BioTime-style static tokens (POST /api-token-auth/, Authorization: Token ...) ---------
CREATE TABLE IF NOT EXISTS api_tokens (
 id @ID@,
 account_id BIGINT NOT NULL,
 token_hash CHAR(64) NOT NULL UNIQUE, -- SHA-256 of the token, hex
 token_version INTEGER NOT NULL, -- the account's token_version when issued
 created_at BIGINT NOT NULL,
 last_used_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE INDEX IF NOT EXISTS api_tokens_account ON api_tokens (account_id);
-- ---- personnel (the BioTime-compatible API) ------------------------------------------------
CREATE TABLE IF NOT EXISTS departments (
 id @ID@,
 dept_code VARCHAR(64) NOT NULL UNIQUE,
 dept_name VARCHAR(128) NOT NULL,
 parent_id BIGINT NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL DEFAULT 0,
 updated_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE TABLE IF NOT EXISTS positions (
 id @ID@,
 position_code VARCHAR(64) NOT NULL UNIQUE,
 position_name VARCHAR(128) NOT NULL,
 parent_id BIGINT NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL DEFAULT 0,
 updated_at BIGINT NOT NULL DEFAULT 0
)@T@;
-- An area is a sync group: area_code is the sync_group of devices and users.
CREATE TABLE IF NOT EXISTS areas (
 id @ID@,
 area_code VARCHAR(64) NOT NULL UNIQUE,
 area_name VARCHAR(128) NOT NULL,
 parent_id BIGINT NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL DEFAULT 0,
 updated_at BIGINT NOT NULL DEFAULT 0
)@T@;
-- The BioTime fields of a user (users.pin = emp_code); a user without a row has the defaults.
CREATE TABLE IF NOT EXISTS employees (
 pin VARCHAR(24) NOT NULL PRIMARY KEY,
 first_name VARCHAR(128) NOT NULL DEFAULT '',
 last_name VARCHAR(128) NOT NULL DEFAULT '',
 nickname VARCHAR(128) NOT NULL DEFAULT '',
 department_id BIGINT NOT NULL DEFAULT 1,
 position_id BIGINT NOT NULL DEFAULT 0,
 hire_date VARCHAR(10) NOT NULL DEFAULT '',
 birthday VARCHAR(10) NOT NULL DEFAULT '',
 gender VARCHAR(1) NOT NULL DEFAULT '',
 emp_type INTEGER NOT NULL DEFAULT 0,
 email VARCHAR(255) NOT NULL DEFAULT '',
 mobile VARCHAR(32) NOT NULL DEFAULT '',
 extra @TEXT@, -- JSON object of the other BioTime fields given (national, address, ...)
 created_at BIGINT NOT NULL DEFAULT 0,
 updated_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE INDEX IF NOT EXISTS employees_department ON employees (department_id);
CREATE TABLE IF NOT EXISTS employee_areas (
 pin VARCHAR(24) NOT NULL,
 area_id BIGINT NOT NULL,
 PRIMARY KEY (pin, area_id)
)@T@;
CREATE INDEX IF NOT EXISTS employee_areas_area ON employee_areas (area_id, pin);
-- A stock BioTime server has department 1; the sync group every device starts in is an area.
INSERT INTO departments (id, dept_code, dept_name, created_at, updated_at)
 SELECT 1, '1', 'Department', 0, 0 WHERE NOT EXISTS (SELECT 1 FROM departments WHERE id = 1);
INSERT INTO areas (area_code, area_name, created_at, updated_at)
 SELECT 'default', 'Default', 0, 0 WHERE NOT EXISTS
 (SELECT 1 FROM areas WHERE area_code = 'default');
INSERT INTO areas (area_code, area_name, created_at, updated_at)
 SELECT DISTINCT d.sync_group, d.sync_group, 0, 0 FROM devices d WHERE NOT EXISTS
 (SELECT 1 FROM areas a WHERE a.area_code = d.sync_group);
-- ---- wt-forward (the forwarding engine): the retention sweep deletes delivered rows by age --
CREATE INDEX IF NOT EXISTS outbox_delivered ON outbox (state, delivered_at);
-- wt-forward: what the target named the record it made (erpnext: the Employee Checkin's name)
@SQLITE@
ALTER TABLE outbox ADD COLUMN remote_id VARCHAR(140) NOT NULL DEFAULT '';
@MARIADB@
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS remote_id VARCHAR(140) NOT NULL DEFAULT '';
@BOTH@
-- ---- bttx part (BioTime transactions, docs/biotime-api.md "Transactions") -------------------
-- One terminal's punches in id order (an index ends with the row id in SQLite and with the
-- primary key in InnoDB): the default ordering of /iclock/api/transactions/?terminal_sn=... reads
-- one page of entries instead of sorting all of the terminal's rows.
CREATE INDEX IF NOT EXISTS attendance_sn ON attendance (sn);
-- ---- wt-forward: a target's pending rows in id order (the delivery order), read a page at a
-- time whatever the backlog (zs_outbox_due)
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (forwarder_id, state, id);
