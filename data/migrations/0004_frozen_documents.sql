-- Issue 7: an approved version freezes every format it exports (DOCX, PDF, XLSX, chart ZIP),
-- one row per format with the sha256 of its bytes. The DOCX that report_versions held until
-- now moves here, so a frozen document is read one way only.
CREATE TABLE report_version_documents (
    report_id  VARCHAR NOT NULL,
    version    INTEGER NOT NULL,
    format     VARCHAR NOT NULL CHECK (format IN ('docx', 'pdf', 'xlsx', 'zip')),
    document   BYTEA NOT NULL,
    sha256     VARCHAR NOT NULL,                 -- of the document bytes (what sha256sum prints)
    PRIMARY KEY (report_id, version, format)
);

INSERT INTO report_version_documents (report_id, version, format, document, sha256)
SELECT report_id, version, document_format, document, sha256 FROM report_versions;

ALTER TABLE report_versions DROP COLUMN document;
ALTER TABLE report_versions DROP COLUMN document_format;
ALTER TABLE report_versions DROP COLUMN sha256;
