-- Issue 17: a report definition may carry the customer's Word template (the .docx its DOCX is
-- laid out in, and whose colours, fonts and logo the PDF takes) and the confidentiality mark
-- printed on the cover; both empty: the shipped default template, the default mark.
ALTER TABLE report_definitions ADD COLUMN template_docx BYTEA;
ALTER TABLE report_definitions ADD COLUMN template_name VARCHAR;
ALTER TABLE report_definitions ADD COLUMN confidentiality VARCHAR;
