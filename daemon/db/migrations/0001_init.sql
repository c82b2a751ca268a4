-- zkbiod schema, version 1: devices, users and their templates/photos, attendance, logs, the
-- command queue and what each device holds (fleet sync).
CREATE TABLE IF NOT EXISTS devices (
 sn VARCHAR(40) NOT NULL PRIMARY KEY,
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
 last_seen BIGINT NOT NULL DEFAULT 0
)@T@;
CREATE TABLE IF NOT EXISTS users (
 pin VARCHAR(24) NOT NULL PRIMARY KEY,
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
)@T@;
CREATE TABLE IF NOT EXISTS templates (
 pin VARCHAR(24) NOT NULL,
 kind VARCHAR(8) NOT NULL, -- FP, FACE, FVEIN, BIODATA: the wire form it came in
 type INTEGER NOT NULL,
 no INTEGER NOT NULL,
 idx INTEGER NOT NULL,
 valid INTEGER NOT NULL DEFAULT 1,
 duress INTEGER NOT NULL DEFAULT 0,
 major_ver INTEGER NOT NULL DEFAULT -1,
 minor_ver INTEGER NOT NULL DEFAULT -1,
 format INTEGER NOT NULL DEFAULT -1,
 tmp @TEXT@ NOT NULL,
 hash CHAR(64) NOT NULL,
 source_sn VARCHAR(40) NOT NULL DEFAULT '',
 updated_at BIGINT NOT NULL DEFAULT 0,
 PRIMARY KEY (pin, kind, type, no, idx)
)@T@;
CREATE TABLE IF NOT EXISTS photos (
 pin VARCHAR(24) NOT NULL,
 kind VARCHAR(8) NOT NULL, -- USERPIC, BIOPHOTO
 type INTEGER NOT NULL,
 file_name VARCHAR(128) NOT NULL DEFAULT '',
 content @TEXT@ NOT NULL,
 hash CHAR(64) NOT NULL,
 source_sn VARCHAR(40) NOT NULL DEFAULT '',
 updated_at BIGINT NOT NULL DEFAULT 0,
 PRIMARY KEY (pin, kind, type)
)@T@;
CREATE TABLE IF NOT EXISTS attendance (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 pin VARCHAR(24) NOT NULL,
 punch_time CHAR(19) NOT NULL, -- device wall-clock, no zone
 status INTEGER NOT NULL,
 verify INTEGER NOT NULL,
 workcode VARCHAR(32) NOT NULL DEFAULT '',
 extra VARCHAR(255) NOT NULL DEFAULT '',
 received_at BIGINT NOT NULL,
 UNIQUE (sn, pin, punch_time, status)
)@T@;
CREATE INDEX IF NOT EXISTS attendance_pin ON attendance (pin, punch_time);
CREATE INDEX IF NOT EXISTS attendance_time ON attendance (punch_time);
CREATE TABLE IF NOT EXISTS operlog (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 op_type INTEGER NOT NULL,
 admin VARCHAR(24) NOT NULL,
 op_time CHAR(19) NOT NULL,
 v1 BIGINT NOT NULL, v2 BIGINT NOT NULL, v3 BIGINT NOT NULL,
 received_at BIGINT NOT NULL,
 UNIQUE (sn, op_type, op_time, admin, v1, v2, v3)
)@T@;
CREATE TABLE IF NOT EXISTS errorlog (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 err_code VARCHAR(32) NOT NULL, err_msg VARCHAR(255) NOT NULL, data_origin VARCHAR(16) NOT NULL,
 cmd_id VARCHAR(32) NOT NULL, additional @TEXT@,
 received_at BIGINT NOT NULL
)@T@;
CREATE TABLE IF NOT EXISTS attphotos (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 name VARCHAR(128) NOT NULL,
 path VARCHAR(1024) NOT NULL, -- file under attphoto-dir
 size BIGINT NOT NULL,
 received_at BIGINT NOT NULL,
 UNIQUE (sn, name)
)@T@;
CREATE TABLE IF NOT EXISTS commands (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 kind VARCHAR(8) NOT NULL, -- user, tmpl, photo, delete, admin
 pin VARCHAR(24) NOT NULL DEFAULT '',
 item_key VARCHAR(96) NOT NULL DEFAULT '',
 item_hash CHAR(64) NOT NULL DEFAULT '',
 text @TEXT@ NOT NULL,
 status VARCHAR(12) NOT NULL, -- queued, sent, done, failed, superseded
 attempts INTEGER NOT NULL DEFAULT 0,
 return_code INTEGER,
 result @TEXT@,
 created_at BIGINT NOT NULL,
 sent_at BIGINT,
 done_at BIGINT
)@T@;
CREATE INDEX IF NOT EXISTS commands_due ON commands (sn, status, id);
CREATE INDEX IF NOT EXISTS commands_item ON commands (sn, item_key, status);
CREATE TABLE IF NOT EXISTS device_items (
 sn VARCHAR(40) NOT NULL,
 item_key VARCHAR(96) NOT NULL,
 pin VARCHAR(24) NOT NULL,
 hash CHAR(64) NOT NULL,
 updated_at BIGINT NOT NULL,
 PRIMARY KEY (sn, item_key)
)@T@;
CREATE INDEX IF NOT EXISTS device_items_pin ON device_items (sn, pin);
