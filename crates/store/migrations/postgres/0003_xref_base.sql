-- What each side's fields held when Ferry last synced a link (JSON: target name → field →
-- value), per direction. Two-way flows compare the target's current values with it to tell a
-- change made in the target since the last sync from a stale value, field by field.
ALTER TABLE xref_links ADD COLUMN base_to_salesforce TEXT;
ALTER TABLE xref_links ADD COLUMN base_to_brightpearl TEXT;
