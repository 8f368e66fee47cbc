-- Embeddings topic discovery had to compute (reviews scored before the store kept them), kept for the nights after:
-- embeddings_frame, registered by flows/nightly/topic_discovery.py.
INSERT INTO review_embeddings BY NAME
SELECT review_id, model_version, embedding FROM embeddings_frame;
