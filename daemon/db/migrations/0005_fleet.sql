-- zkbiod schema, version 5: the fleet management API (issue 14): numeric device ids and the
-- columns of terminals zkbiod connects to over TCP/UDP 4370, accounts and their refresh tokens,
-- the audit log, the durable job queue and the per-terminal session lease.
-- Sources: shared reference device-api.md §2.3 (tokens), §3.3 (jobs, leases).
@SQLITE@
-- SQLite cannot add an AUTOINCREMENT key to a table: rebuild devices (in the step's transaction),
-- keeping every row; ids follow the registration order.
CREATE TABLE devices_v5 (
 id @ID@,
 sn VARCHAR(40) NOT NULL UNIQUE,
 model VARCHAR(64) NOT NULL DEFAULT '',
 firmware VARCHAR(128) NOT NULL DEFAULT '',
 push_version VARCHAR(24) NOT NULL DEFAULT '',
 device_type VARCHAR(16) NOT NULL DEFAULT '',
 language INTEGER NOT NULL DEFAULT -1,
 sync_group VARCHAR(64) NOT NULL DEFAULT 'default',
 enabled INTEGER NOT NULL DEFAULT 1,
 ip VARCHAR(48) NOT NULL DEFAULT '',
 info @TEXT@,
 options @TEXT@,
 attlog_stamp VARCHAR(32) NOT NULL DEFAULT '',
 operlog_stamp VARCHAR(32) NOT NULL DEFAULT '',
 attphoto_stamp VARCHAR(32) NOT NULL DEFAULT '',
 biodata_stamp VARCHAR(32) NOT NULL DEFAULT '',
 registered_at BIGINT NOT NULL DEFAULT 0,
 last_seen BIGINT NOT NULL DEFAULT 0,
 transport VARCHAR(8) NOT NULL DEFAULT 'push', -- push | tcp4370
 name VARCHAR(128) NOT NULL DEFAULT '',
 location VARCHAR(128) NOT NULL DEFAULT '',
 port INTEGER NOT NULL DEFAULT 0, -- 4370 terminals: TCP/UDP port
 udp INTEGER NOT NULL DEFAULT 0, -- 4370 terminals: 1 = UDP only
 comm_key BIGINT NOT NULL DEFAULT 0, -- 4370 terminals: the comm key (0 = none); never logged
 tz VARCHAR(64) NOT NULL DEFAULT '', -- terminal time zone: "+03:00" or an IANA name; '' unknown
 state VARCHAR(16) NOT NULL DEFAULT '', -- 4370 terminals: online | offline | unreachable
 last_error VARCHAR(255) NOT NULL DEFAULT '',
 user_count INTEGER NOT NULL DEFAULT -1, -- last reported counts, -1 unknown
 fp_count INTEGER NOT NULL DEFAULT -1,
 punch_count INTEGER NOT NULL DEFAULT -1,
 created_by VARCHAR(128) NOT NULL DEFAULT ''
);
INSERT INTO devices_v5 (sn, model, firmware, push_version, device_type, language, sync_group,
 enabled, ip, info, options, attlog_stamp, operlog_stamp, attphoto_stamp, biodata_stamp,
 registered_at, last_seen)
 SELECT sn, model, firmware, push_version, device_type, language, sync_group, enabled, ip, info,
 options, attlog_stamp, operlog_stamp, attphoto_stamp, biodata_stamp, registered_at, last_seen
 FROM devices ORDER BY registered_at, sn;
DROP TABLE devices;
ALTER TABLE devices_v5 RENAME TO devices;
@MARIADB@
-- One ALTER (MariaDB commits DDL at once, so the step is all or nothing).
ALTER TABLE devices DROP PRIMARY KEY,
 ADD COLUMN id BIGINT NOT NULL AUTO_INCREMENT FIRST,
 ADD PRIMARY KEY (id),
 ADD UNIQUE KEY devices_sn (sn),
 ADD COLUMN IF NOT EXISTS transport VARCHAR(8) NOT NULL DEFAULT 'push',
 ADD COLUMN IF NOT EXISTS name VARCHAR(128) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS location VARCHAR(128) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS port INTEGER NOT NULL DEFAULT 0,
 ADD COLUMN IF NOT EXISTS udp INTEGER NOT NULL DEFAULT 0,
 ADD COLUMN IF NOT EXISTS comm_key BIGINT NOT NULL DEFAULT 0,
 ADD COLUMN IF NOT EXISTS tz VARCHAR(64) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS state VARCHAR(16) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS last_error VARCHAR(255) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS user_count INTEGER NOT NULL DEFAULT -1,
 ADD COLUMN IF NOT EXISTS fp_count INTEGER NOT NULL DEFAULT -1,
 ADD COLUMN IF NOT EXISTS punch_count INTEGER NOT NULL DEFAULT -1,
 ADD COLUMN IF NOT EXISTS created_by VARCHAR(128) NOT NULL DEFAULT '';
@BOTH@
CREATE INDEX IF NOT EXISTS devices_endpoint ON devices (ip, port);

-- ---- accounts (daemon/auth) ----------------------------------------------------------------
-- password_hash: PHC argon2id ($argon2id$...) or an imported crypt(3) hash ($2y$, $2b$, $y$),
-- rehashed to argon2id on the next good login. token_version is in every access token (claim
-- "ver"): bumping it (password change, logout, removal) revokes every token of the account.
CREATE TABLE IF NOT EXISTS accounts (
 id @ID@,
 username VARCHAR(128) NOT NULL,
 email VARCHAR(255) NOT NULL UNIQUE,
 password_hash VARCHAR(255) NOT NULL,
 role VARCHAR(16) NOT NULL, -- admin | operator | viewer
 token_version INTEGER NOT NULL DEFAULT 1,
 disabled INTEGER NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL,
 updated_at BIGINT NOT NULL,
 last_login_at BIGINT NOT NULL DEFAULT 0
)@T@;
-- Refresh tokens: opaque 256-bit values; only SHA-256 of the value is kept. Rotated on every use
-- (used_at set, a new row of the same family made); presenting a used one revokes the family.
CREATE TABLE IF NOT EXISTS refresh_tokens (
 id @ID@,
 account_id BIGINT NOT NULL,
 family CHAR(32) NOT NULL,
 token_hash CHAR(64) NOT NULL UNIQUE,
 created_at BIGINT NOT NULL,
 expires_at BIGINT NOT NULL,
 used_at BIGINT NOT NULL DEFAULT 0,
 revoked_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE INDEX IF NOT EXISTS refresh_tokens_account ON refresh_tokens (account_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family);

-- ---- audit log ----------------------------------------------------------------------------
-- A row is written before the audited action (outcome 'pending') and completed after it.
CREATE TABLE IF NOT EXISTS audit_log (
 id @ID@,
 at BIGINT NOT NULL, -- ms since the epoch
 actor VARCHAR(255) NOT NULL DEFAULT '', -- account e-mail, "admin-token", "system"
 account_id BIGINT NOT NULL DEFAULT 0,
 ip VARCHAR(48) NOT NULL DEFAULT '',
 action VARCHAR(48) NOT NULL, -- auth.login, auth.register, device.unlock, ...
 target VARCHAR(255) NOT NULL DEFAULT '',
 device_id BIGINT NOT NULL DEFAULT 0,
 outcome VARCHAR(16) NOT NULL DEFAULT 'pending', -- pending | ok | failed | denied
 details @TEXT@,
 finished_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (action, id);
CREATE INDEX IF NOT EXISTS audit_log_device ON audit_log (device_id, id);

-- ---- the job queue (daemon/jobs) ----------------------------------------------------------
-- States: queued, scheduled, running, retryable, completed, failed, cancelled. unique_key holds
-- "<kind>:<device_id>" while a job is queued/running/retryable and is NULL once it ends, so a
-- second sync request finds the first (UNIQUE allows many NULLs in both dialects).
CREATE TABLE IF NOT EXISTS jobs (
 id @ID@,
 queue VARCHAR(32) NOT NULL, -- attendance-sync | user-sync | device-cmd
 kind VARCHAR(48) NOT NULL, -- attendance.pull, user.to_db, user.to_device, log.clear, ...
 device_id BIGINT NOT NULL DEFAULT 0,
 state VARCHAR(16) NOT NULL DEFAULT 'queued',
 priority INTEGER NOT NULL DEFAULT 5, -- 0 interactive .. 9 bulk
 attempt INTEGER NOT NULL DEFAULT 0,
 max_attempts INTEGER NOT NULL DEFAULT 3,
 run_at BIGINT NOT NULL DEFAULT 0, -- ms
 lease_owner VARCHAR(64) NOT NULL DEFAULT '',
 lease_until BIGINT NOT NULL DEFAULT 0, -- ms
 progress_done BIGINT NOT NULL DEFAULT 0,
 progress_total BIGINT NOT NULL DEFAULT 0,
 payload @TEXT@,
 result @TEXT@,
 errors @TEXT@,
 unique_key VARCHAR(128) NULL UNIQUE,
 cancel_requested INTEGER NOT NULL DEFAULT 0,
 created_by VARCHAR(255) NOT NULL DEFAULT '',
 created_at BIGINT NOT NULL, -- ms
 started_at BIGINT NOT NULL DEFAULT 0,
 finished_at BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at, priority, id);
CREATE INDEX IF NOT EXISTS jobs_device ON jobs (device_id, state);

-- One 4370 session per terminal across zkbiod processes sharing one MariaDB: a process works a
-- terminal only while it holds an unexpired lease row (renewed by a heartbeat).
CREATE TABLE IF NOT EXISTS device_leases (
 device_id BIGINT NOT NULL PRIMARY KEY,
 owner VARCHAR(64) NOT NULL,
 lease_until BIGINT NOT NULL -- ms
)@T@;

-- ---- /api/v1 attendance reads (envelope engineer) ------------------------------------------
-- GET /api/v1/attendance pages by (punch_time, id) with device, user and time filters
-- (store/query.c). attendance_time serves the time-only shape; these two the device and user
-- shapes (the id is the last column of every index in both engines, so each gives rows in the
-- page's order and a page of 100 reads ~100 index entries). attendance_pin was dropped in step 4
-- for ingest speed when nothing read by PIN; the user filter reads by PIN now.
CREATE INDEX IF NOT EXISTS attendance_sn_time ON attendance (sn, punch_time);
CREATE INDEX IF NOT EXISTS attendance_pin_time ON attendance (pin, punch_time);

-- ---- issue 15: admission ------------------------------------------------------------------
-- admission: approved | pending | rejected. Rows registered before this step are approved; a
-- PUSH terminal first seen in the `pending` mode is registered pending (store/admission.c).
-- pin_address: "" or an IP address or CIDR prefix the terminal's requests must come from.
-- flag: "" or "sn_mismatch" (a 4370 terminal reported reported_sn, not its registered SN).
@SQLITE@
ALTER TABLE devices ADD COLUMN admission VARCHAR(16) NOT NULL DEFAULT 'approved';
ALTER TABLE devices ADD COLUMN pin_address VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN flag VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN reported_sn VARCHAR(40) NOT NULL DEFAULT '';
@MARIADB@
ALTER TABLE devices ADD COLUMN IF NOT EXISTS admission VARCHAR(16) NOT NULL DEFAULT 'approved',
 ADD COLUMN IF NOT EXISTS pin_address VARCHAR(64) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS flag VARCHAR(32) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS reported_sn VARCHAR(40) NOT NULL DEFAULT '';
@BOTH@
CREATE INDEX IF NOT EXISTS devices_admission ON devices (admission, id);
-- Uploads of a pending terminal, kept as received (the raw body, in the terminal's charset) until
-- an operator approves it (replayed through the ordinary ingest, then deleted) or rejects it
-- (deleted). tbl: the PUSH table name (ATTLOG, OPERLOG, USERINFO, BIODATA, ...).
CREATE TABLE IF NOT EXISTS pending_uploads (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 tbl VARCHAR(16) NOT NULL,
 stamp VARCHAR(32) NOT NULL DEFAULT '',
 body @BLOB@ NOT NULL,
 received_at BIGINT NOT NULL
)@T@;
CREATE INDEX IF NOT EXISTS pending_uploads_sn ON pending_uploads (sn, id);
