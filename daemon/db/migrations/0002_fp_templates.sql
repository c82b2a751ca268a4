-- Templates of the fingerprint service for web apps, kept only with --fp-store
-- (docs/fingerprint-service.md). One row per user and finger; `template` is a native libzkbio
-- record; template_id is what identify reports as matchedTemplate.
CREATE TABLE IF NOT EXISTS fp_templates (
 user_id VARCHAR(128) NOT NULL,
 finger_id INTEGER NOT NULL,
 template_id VARCHAR(128) NOT NULL,
 template @BLOB@ NOT NULL,
 quality INTEGER NOT NULL DEFAULT 0,
 created_at BIGINT NOT NULL,
 PRIMARY KEY (user_id, finger_id)
)@T@;
