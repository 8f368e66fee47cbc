-- Version 5: the words of each review (Chinese segmented into words, not character pairs) for the emerging-terms
-- insight, and the z statistic it now ranks by; language in the daily and topic insights (the dashboard's language filter); confidence bounds and a
-- best-rated rank in the product leaderboard; the languages behind each alert; the language of a topic candidate.
-- Insight tables are rebuilt whole by the next run, so their new columns need no backfill.
CREATE TABLE IF NOT EXISTS review_terms (
    review_id  VARCHAR PRIMARY KEY,
    text_hash  VARCHAR NOT NULL,
    terms      VARCHAR[] NOT NULL
);
COMMENT ON TABLE review_terms IS 'The distinct terms of each review a nightly run has counted (the emerging-terms window), written by Python (models/terms.py) before the insight SQL runs.';
COMMENT ON COLUMN review_terms.review_id IS 'The review.';
COMMENT ON COLUMN review_terms.text_hash IS 'md5 of the body the terms came from; a review edited since is segmented again.';
COMMENT ON COLUMN review_terms.terms IS 'Distinct terms, sorted: English words of 3+ letters (stop words out, plurals folded), Chinese jieba words of 2+ characters (stop words out).';

ALTER TABLE insight_daily ADD COLUMN IF NOT EXISTS language VARCHAR;
COMMENT ON COLUMN insight_daily.language IS 'Language of the reviews (zh, en, other): each day x product has one row per language.';

ALTER TABLE insight_topics ADD COLUMN IF NOT EXISTS language VARCHAR;
COMMENT ON COLUMN insight_topics.language IS 'Language of the reviews: each period x category x topic has one row per language.';

ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS language VARCHAR;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS negative BIGINT;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS positive BIGINT;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS negative_low DOUBLE;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS negative_high DOUBLE;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS positive_low DOUBLE;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS positive_high DOUBLE;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS rankable BOOLEAN;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS best_rank BIGINT;
COMMENT ON COLUMN insight_products.language IS 'Most common language of the product''s reviews.';
COMMENT ON COLUMN insight_products.negative IS 'Reviews classified negative.';
COMMENT ON COLUMN insight_products.positive IS 'Reviews classified positive.';
COMMENT ON COLUMN insight_products.negative_low IS 'Lower end of the 95% Wilson interval of the negative share (macro wilson_lower): what rank orders by.';
COMMENT ON COLUMN insight_products.negative_high IS 'Upper end of the 95% Wilson interval of the negative share.';
COMMENT ON COLUMN insight_products.positive_low IS 'Lower end of the 95% Wilson interval of the positive share: what best_rank orders by.';
COMMENT ON COLUMN insight_products.positive_high IS 'Upper end of the 95% Wilson interval of the positive share.';
COMMENT ON COLUMN insight_products.rankable IS 'A real product (macro rankable_product: not a placeholder id such as snownlp-unknown-product, has a category); placeholders count in totals but are never ranked.';
COMMENT ON COLUMN insight_products.best_rank IS 'Rank by positive_low, 1 = most surely liked, among rankable products with enough reviews; null otherwise.';

ALTER TABLE emerging_terms ADD COLUMN IF NOT EXISTS statistic DOUBLE;
COMMENT ON COLUMN emerging_terms.statistic IS 'Two-proportion z of the rise (macro two_proportion_z), what the table is ordered by.';

ALTER TABLE alerts ADD COLUMN IF NOT EXISTS languages VARCHAR[];
COMMENT ON COLUMN alerts.languages IS 'Languages of the recent reviews behind the alert (null: raised before schema version 5).';

ALTER TABLE topic_candidates ADD COLUMN IF NOT EXISTS language VARCHAR;
COMMENT ON COLUMN topic_candidates.language IS 'Language of the cluster''s reviews (reviews are clustered per language).';
