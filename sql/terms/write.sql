-- Replace the terms of the reviews in terms_frame (registered by flows/nightly/review_terms.py).
DELETE FROM review_terms WHERE review_id IN (SELECT review_id FROM terms_frame);

INSERT INTO review_terms BY NAME
SELECT review_id, text_hash, terms FROM terms_frame;
