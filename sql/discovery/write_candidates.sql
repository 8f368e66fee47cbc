-- The clusters topic discovery found (candidates_frame, registered by flows/nightly/topic_discovery.py).
INSERT INTO topic_candidates BY NAME
SELECT candidate_id, size, terms, example_ids, language FROM candidates_frame;
