-- zkbiod schema, version 3: the attendance de-duplication key ordered (sn, punch_time, pin,
-- status) instead of (sn, pin, punch_time, status). The same four columns, so the same rows are
-- duplicates; but one device's new punches now land at the end of its part of the index instead of
-- on a different leaf per PIN, so an upload writes far fewer index pages (docs/ingest.md).
@SQLITE@
-- SQLite cannot change a table's UNIQUE constraint: rebuild the table (in the step's transaction),
-- keeping every row, its id and the id counter.
CREATE TABLE attendance_v3 (
 id @ID@,
 sn VARCHAR(40) NOT NULL,
 pin VARCHAR(24) NOT NULL,
 punch_time CHAR(19) NOT NULL, -- device wall-clock, no zone
 status INTEGER NOT NULL,
 verify INTEGER NOT NULL,
 workcode VARCHAR(32) NOT NULL DEFAULT '',
 extra VARCHAR(255) NOT NULL DEFAULT '',
 received_at BIGINT NOT NULL,
 UNIQUE (sn, punch_time, pin, status)
);
INSERT INTO attendance_v3 (id, sn, pin, punch_time, status, verify, workcode, extra, received_at)
 SELECT id, sn, pin, punch_time, status, verify, workcode, extra, received_at FROM attendance
 ORDER BY sn, punch_time, pin, status;
DELETE FROM sqlite_sequence WHERE name = 'attendance_v3';
UPDATE sqlite_sequence SET name = 'attendance_v3' WHERE name = 'attendance';
DROP TABLE attendance;
ALTER TABLE attendance_v3 RENAME TO attendance;
CREATE INDEX attendance_pin ON attendance (pin, punch_time);
CREATE INDEX attendance_time ON attendance (punch_time);
@MARIADB@
-- One ALTER (MariaDB commits DDL at once; IF [NOT] EXISTS lets a step cut short complete on the
-- next start).
ALTER TABLE attendance DROP INDEX IF EXISTS sn,
 ADD UNIQUE KEY IF NOT EXISTS attendance_dedup (sn, punch_time, pin, status);
