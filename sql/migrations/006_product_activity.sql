-- Version 6: products are ranked on their recent reviews and show when they were last reviewed, so a product
-- whose last review is a year old no longer tops "needs attention". Insight tables are rebuilt whole by the next
-- run, so the new columns need no backfill.
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS last_review DATE;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS recent_reviews BIGINT;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS recent_negative BIGINT;
ALTER TABLE insight_products ADD COLUMN IF NOT EXISTS recent_positive BIGINT;
COMMENT ON COLUMN insight_products.last_review IS 'Day of the product''s newest review up to the run date; its trends are the weeks before it.';
COMMENT ON COLUMN insight_products.recent_reviews IS 'Reviews in the ranking window (the 90 days ending on the run date): what the confidence bounds and ranks are over.';
COMMENT ON COLUMN insight_products.recent_negative IS 'Reviews in the ranking window classified negative.';
COMMENT ON COLUMN insight_products.recent_positive IS 'Reviews in the ranking window classified positive.';
COMMENT ON COLUMN insight_products.negative_low IS 'Lower end of the 95% Wilson interval of the negative share in the ranking window (macro wilson_lower): what rank orders by.';
COMMENT ON COLUMN insight_products.negative_high IS 'Upper end of the 95% Wilson interval of the negative share in the ranking window.';
COMMENT ON COLUMN insight_products.positive_low IS 'Lower end of the 95% Wilson interval of the positive share in the ranking window: what best_rank orders by.';
COMMENT ON COLUMN insight_products.positive_high IS 'Upper end of the 95% Wilson interval of the positive share in the ranking window.';
COMMENT ON COLUMN insight_products.trend_7d IS 'Net sentiment of the 7 days ending on the product''s last review minus the 7 before.';
COMMENT ON COLUMN insight_products.trend_28d IS 'Net sentiment of the 28 days ending on the product''s last review minus the 28 before.';
COMMENT ON COLUMN insight_products.rank IS 'Needs-attention rank by negative_low, 1 = worst, among rankable products with enough reviews in the ranking window; null otherwise.';
COMMENT ON COLUMN insight_products.best_rank IS 'Rank by positive_low, 1 = most surely liked, among rankable products with enough reviews in the ranking window; null otherwise.';
