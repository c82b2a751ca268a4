-- zkbiod schema, version 4: no attendance_pin index. zkbiod's only attendance query
-- (store/query.c, zs_list_attendance: pages by id with optional filters) never uses it (the plan
-- is a search on the primary key), and keeping it cost every stored punch a write to a random
-- leaf: with it gone, 50 terminals uploading at once store ~1.6x the punches per second
-- (docs/ingest.md). A report that looks punches up by PIN in SQL can create it again.
@SQLITE@
DROP INDEX IF EXISTS attendance_pin;
@MARIADB@
DROP INDEX IF EXISTS attendance_pin ON attendance;
