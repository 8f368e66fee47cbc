-- reviewlens schema, version 1. Applying it again is harmless (IF NOT EXISTS everywhere);
-- later versions add files under sql/migrations/ that run once, in order, after this one. The shared
-- macros (sql/macros.sql) and analyst views (sql/views/) are re-created after them on every connect.

CREATE TABLE IF NOT EXISTS schema_version (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
COMMENT ON TABLE schema_version IS 'One row per applied schema version; the highest is the database''s version.';
COMMENT ON COLUMN schema_version.version IS 'Schema version number (1 = sql/schema.sql, N = sql/migrations/N_*.sql).';
COMMENT ON COLUMN schema_version.applied_at IS 'When this version was applied to this database.';

CREATE TABLE IF NOT EXISTS reviews (
    review_id   VARCHAR PRIMARY KEY,
    product_id  VARCHAR NOT NULL,
    category    VARCHAR,
    rating      TINYINT CHECK (rating BETWEEN 1 AND 5),
    title       VARCHAR,
    body        VARCHAR NOT NULL,
    language    VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    label       VARCHAR CHECK (label IN ('negative', 'neutral', 'positive')),
    source      VARCHAR,
    ingested_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE reviews IS 'Customer reviews, one row per review_id; loaded by `reviewlens ingest` (newest created_at wins on duplicates).';
COMMENT ON COLUMN reviews.review_id IS 'The source''s own review identifier.';
COMMENT ON COLUMN reviews.product_id IS 'Product the review is about.';
COMMENT ON COLUMN reviews.category IS 'Product category, when the source has one.';
COMMENT ON COLUMN reviews.rating IS 'Star rating 1..5, or null; gives weak sentiment labels (1-2 negative, 3 neutral, 4-5 positive). A file rated on another scale (ingest --rating-scale 1-10) is stored as the star at the same place on 1..5; half stars round up.';
COMMENT ON COLUMN reviews.title IS 'Review title, when the source has one.';
COMMENT ON COLUMN reviews.body IS 'Review text, verbatim (never trimmed or escaped in storage).';
COMMENT ON COLUMN reviews.language IS 'zh, en or other: given by the source or detected at ingest.';
COMMENT ON COLUMN reviews.created_at IS 'When the customer wrote the review, in UTC (an offset in the file is applied; a time without one is taken as UTC); drives the daily buckets.';
COMMENT ON COLUMN reviews.label IS 'Known gold sentiment (negative/neutral/positive) when the source has one.';
COMMENT ON COLUMN reviews.source IS 'Where the row came from: the --source name or the file name.';
COMMENT ON COLUMN reviews.ingested_at IS 'When reviewlens last inserted or updated this row.';

CREATE TABLE IF NOT EXISTS reviews_rejected (
    source_file VARCHAR NOT NULL,
    line        BIGINT NOT NULL,
    reason      VARCHAR NOT NULL,
    raw         JSON NOT NULL,
    rejected_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
COMMENT ON TABLE reviews_rejected IS 'Input rows that failed validation, kept verbatim so nothing is silently dropped.';
COMMENT ON COLUMN reviews_rejected.source_file IS 'Path of the file the row came from, as given to ingest.';
COMMENT ON COLUMN reviews_rejected.line IS 'Line the record starts on, from 1 (CSV: the header is line 1 and a quoted field may span lines; JSONL: the line; Parquet: the row number).';
COMMENT ON COLUMN reviews_rejected.reason IS 'Why the row was rejected: missing_review_id, missing_product_id, empty_body, invalid_created_at, future_created_at (more than a day after the ingest), invalid_rating, invalid_label, invalid_encoding, malformed_row, invalid_json, record_too_long (a CSV record or JSON line over 8 MB).';
COMMENT ON COLUMN reviews_rejected.raw IS 'The row as read from the file (keyed by the file''s own column names), as JSON; for a row the reader could not parse, what it saw ({"bytes": N} for record_too_long).';
COMMENT ON COLUMN reviews_rejected.rejected_at IS 'When the row was first rejected.';

CREATE TABLE IF NOT EXISTS model_registry (
    model_version VARCHAR PRIMARY KEY,
    created_at    TIMESTAMP NOT NULL,
    preset        VARCHAR,
    config        JSON,
    data_fingerprint VARCHAR,
    metrics       JSON,
    path          VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT false
);
COMMENT ON TABLE model_registry IS 'Trained models; exactly one is active and scores the nightly run.';
COMMENT ON COLUMN model_registry.model_version IS 'Version id, also the checkpoint folder name under var/models/.';
COMMENT ON COLUMN model_registry.created_at IS 'When training finished.';
COMMENT ON COLUMN model_registry.preset IS 'Training preset (demo, full, ...).';
COMMENT ON COLUMN model_registry.config IS 'Encoder and training configuration.';
COMMENT ON COLUMN model_registry.data_fingerprint IS 'sha256 over the training review ids and texts.';
COMMENT ON COLUMN model_registry.metrics IS 'Evaluation figures (metrics.json of the checkpoint).';
COMMENT ON COLUMN model_registry.path IS 'Checkpoint folder, relative to the workspace''s models folder (absolute in rows written before; a folder of the same name in this workspace wins).';
COMMENT ON COLUMN model_registry.active IS 'True for the model the nightly run uses.';

CREATE TABLE IF NOT EXISTS review_scores (
    review_id       VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    sentiment       VARCHAR NOT NULL,
    p_negative      REAL NOT NULL,
    p_neutral       REAL NOT NULL,
    p_positive      REAL NOT NULL,
    sentiment_score REAL NOT NULL,
    topics          VARCHAR[],
    topic_scores    MAP(VARCHAR, REAL),
    run_id          VARCHAR,
    scored_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (review_id, model_version)
);
COMMENT ON TABLE review_scores IS 'One row per review and model version: the encoder''s sentiment and topics.';
COMMENT ON COLUMN review_scores.review_id IS 'The scored review.';
COMMENT ON COLUMN review_scores.model_version IS 'Model that produced the score; old versions stay queryable.';
COMMENT ON COLUMN review_scores.sentiment IS 'negative, neutral or positive (argmax of the calibrated probabilities).';
COMMENT ON COLUMN review_scores.p_negative IS 'Calibrated probability of negative.';
COMMENT ON COLUMN review_scores.p_neutral IS 'Calibrated probability of neutral.';
COMMENT ON COLUMN review_scores.p_positive IS 'Calibrated probability of positive.';
COMMENT ON COLUMN review_scores.sentiment_score IS 'p_positive - p_negative, on -1..1.';
COMMENT ON COLUMN review_scores.topics IS 'Taxonomy topics whose score passed the threshold.';
COMMENT ON COLUMN review_scores.topic_scores IS 'Score 0..1 of every taxonomy topic.';
COMMENT ON COLUMN review_scores.run_id IS 'Nightly run that wrote the row.';
COMMENT ON COLUMN review_scores.scored_at IS 'When the row was written.';

CREATE TABLE IF NOT EXISTS review_aspects (
    review_id     VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    clause_no     INTEGER NOT NULL,
    char_start    INTEGER NOT NULL,
    char_end      INTEGER NOT NULL,
    topic         VARCHAR NOT NULL,
    sentiment     VARCHAR NOT NULL,
    score         REAL NOT NULL,
    PRIMARY KEY (review_id, model_version, clause_no, topic)
);
COMMENT ON TABLE review_aspects IS 'Aspect sentiment: a topic found in one clause of a review takes that clause''s sentiment.';
COMMENT ON COLUMN review_aspects.review_id IS 'The review.';
COMMENT ON COLUMN review_aspects.model_version IS 'Model that produced the row.';
COMMENT ON COLUMN review_aspects.clause_no IS 'Clause number within the review, from 0.';
COMMENT ON COLUMN review_aspects.char_start IS 'Clause start offset in the body (characters).';
COMMENT ON COLUMN review_aspects.char_end IS 'Clause end offset in the body (characters, exclusive).';
COMMENT ON COLUMN review_aspects.topic IS 'Taxonomy topic found in the clause.';
COMMENT ON COLUMN review_aspects.sentiment IS 'Sentiment of the clause: negative, neutral or positive.';
COMMENT ON COLUMN review_aspects.score IS 'Clause sentiment score p_positive - p_negative.';

CREATE TABLE IF NOT EXISTS runs (
    run_id          VARCHAR PRIMARY KEY,
    run_date        DATE NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    status          VARCHAR NOT NULL,
    model_version   VARCHAR,
    reviews_scored  BIGINT,
    alerts          INTEGER,
    durations       JSON,
    report_path     VARCHAR,
    message         VARCHAR
);
COMMENT ON TABLE runs IS 'One row per nightly run, including failed ones.';
COMMENT ON COLUMN runs.run_id IS 'Unique run id.';
COMMENT ON COLUMN runs.run_date IS 'The day the run reports on.';
COMMENT ON COLUMN runs.started_at IS 'Start time.';
COMMENT ON COLUMN runs.finished_at IS 'End time; null while running or after a crash.';
COMMENT ON COLUMN runs.status IS 'running, completed or failed.';
COMMENT ON COLUMN runs.model_version IS 'Active model during the run.';
COMMENT ON COLUMN runs.reviews_scored IS 'Reviews newly scored by this run.';
COMMENT ON COLUMN runs.alerts IS 'Alerts raised.';
COMMENT ON COLUMN runs.durations IS 'Seconds per stage.';
COMMENT ON COLUMN runs.report_path IS 'Dashboard written by the run.';
COMMENT ON COLUMN runs.message IS 'Error message of a failed run.';

CREATE TABLE IF NOT EXISTS insight_daily (
    day            DATE NOT NULL,
    product_id     VARCHAR NOT NULL,
    category       VARCHAR,
    reviews        BIGINT NOT NULL,
    negative       BIGINT NOT NULL,
    neutral        BIGINT NOT NULL,
    positive       BIGINT NOT NULL,
    net_sentiment  DOUBLE NOT NULL,
    avg_rating     DOUBLE
);
COMMENT ON TABLE insight_daily IS 'One row per day x product x language: sentiment counts under the active model.';
COMMENT ON COLUMN insight_daily.day IS 'Day of created_at.';
COMMENT ON COLUMN insight_daily.product_id IS 'Product.';
COMMENT ON COLUMN insight_daily.category IS 'Product category.';
COMMENT ON COLUMN insight_daily.reviews IS 'Reviews that day.';
COMMENT ON COLUMN insight_daily.negative IS 'Reviews classified negative.';
COMMENT ON COLUMN insight_daily.neutral IS 'Reviews classified neutral.';
COMMENT ON COLUMN insight_daily.positive IS 'Reviews classified positive.';
COMMENT ON COLUMN insight_daily.net_sentiment IS '% positive - % negative, on -100..100 (macro net_sentiment).';
COMMENT ON COLUMN insight_daily.avg_rating IS 'Average star rating of rated reviews.';

CREATE TABLE IF NOT EXISTS insight_topics (
    period_start   DATE NOT NULL,
    period_end     DATE NOT NULL,
    category       VARCHAR,
    topic          VARCHAR NOT NULL,
    mentions       BIGINT NOT NULL,
    share          DOUBLE NOT NULL,
    net_sentiment  DOUBLE NOT NULL,
    prev_mentions  BIGINT,
    prev_net_sentiment DOUBLE,
    change_net_sentiment DOUBLE
);
COMMENT ON TABLE insight_topics IS 'One row per 7-day period x category x topic x language.';
COMMENT ON COLUMN insight_topics.period_start IS 'First day of the period.';
COMMENT ON COLUMN insight_topics.period_end IS 'Last day of the period.';
COMMENT ON COLUMN insight_topics.category IS 'Product category.';
COMMENT ON COLUMN insight_topics.topic IS 'Taxonomy topic.';
COMMENT ON COLUMN insight_topics.mentions IS 'Reviews mentioning the topic.';
COMMENT ON COLUMN insight_topics.share IS 'Mentions / reviews in the category, period and language.';
COMMENT ON COLUMN insight_topics.net_sentiment IS 'Net sentiment toward the topic (aspect sentiment).';
COMMENT ON COLUMN insight_topics.prev_mentions IS 'Mentions in the previous period.';
COMMENT ON COLUMN insight_topics.prev_net_sentiment IS 'Net sentiment in the previous period.';
COMMENT ON COLUMN insight_topics.change_net_sentiment IS 'net_sentiment - prev_net_sentiment.';

CREATE TABLE IF NOT EXISTS insight_products (
    product_id     VARCHAR NOT NULL,
    category       VARCHAR,
    reviews        BIGINT NOT NULL,
    net_sentiment  DOUBLE NOT NULL,
    worst_topics   VARCHAR[],
    trend_7d       DOUBLE,
    trend_28d      DOUBLE,
    rank           BIGINT
);
COMMENT ON TABLE insight_products IS 'One row per product: volume, net sentiment, confidence bounds, worst topics, trend and ranks.';
COMMENT ON COLUMN insight_products.product_id IS 'Product.';
COMMENT ON COLUMN insight_products.category IS 'Product category.';
COMMENT ON COLUMN insight_products.reviews IS 'Reviews of the product.';
COMMENT ON COLUMN insight_products.net_sentiment IS 'Net sentiment over all reviews.';
COMMENT ON COLUMN insight_products.worst_topics IS 'Topics with the lowest net sentiment (minimum volume applies).';
COMMENT ON COLUMN insight_products.trend_7d IS 'Net sentiment of the last 7 days minus the 7 before.';
COMMENT ON COLUMN insight_products.trend_28d IS 'Net sentiment of the last 28 days minus the 28 before.';
COMMENT ON COLUMN insight_products.rank IS 'Needs-attention rank by negative_low (the share of negative reviews the product surely has), 1 = worst, among rankable products with enough reviews; null otherwise.';

CREATE TABLE IF NOT EXISTS topic_examples (
    topic       VARCHAR NOT NULL,
    sentiment   VARCHAR NOT NULL,
    example_no  INTEGER NOT NULL,
    review_id   VARCHAR NOT NULL,
    confidence  DOUBLE NOT NULL
);
COMMENT ON TABLE topic_examples IS 'Representative reviews per topic and sentiment: most confident, mutually different.';
COMMENT ON COLUMN topic_examples.topic IS 'Taxonomy topic.';
COMMENT ON COLUMN topic_examples.sentiment IS 'Aspect sentiment.';
COMMENT ON COLUMN topic_examples.example_no IS 'Order of the example, from 1.';
COMMENT ON COLUMN topic_examples.review_id IS 'The example review.';
COMMENT ON COLUMN topic_examples.confidence IS 'Model confidence of the example.';

CREATE TABLE IF NOT EXISTS emerging_terms (
    term       VARCHAR NOT NULL,
    language   VARCHAR NOT NULL,
    recent     BIGINT NOT NULL,
    baseline   BIGINT NOT NULL,
    lift       DOUBLE NOT NULL
);
COMMENT ON TABLE emerging_terms IS 'Terms whose recent frequency rose most against their baseline.';
COMMENT ON COLUMN emerging_terms.term IS 'A word: English (plural folded) or Chinese (jieba segmentation), from review_terms.';
COMMENT ON COLUMN emerging_terms.language IS 'Language of the reviews the term was counted in.';
COMMENT ON COLUMN emerging_terms.recent IS 'Reviews containing the term in the last 7 days.';
COMMENT ON COLUMN emerging_terms.baseline IS 'Reviews containing the term in the 28 days before.';
COMMENT ON COLUMN emerging_terms.lift IS 'Smoothed ratio of recent to baseline rate.';

CREATE TABLE IF NOT EXISTS alerts (
    run_date   DATE NOT NULL,
    scope      VARCHAR NOT NULL,
    scope_id   VARCHAR NOT NULL,
    metric     VARCHAR NOT NULL,
    value      DOUBLE NOT NULL,
    baseline   DOUBLE NOT NULL,
    n          BIGINT NOT NULL,
    statistic  DOUBLE NOT NULL,
    severity   VARCHAR NOT NULL,
    message    VARCHAR NOT NULL
);
COMMENT ON TABLE alerts IS 'Statistically significant changes, last 7 days against the 28 before.';
COMMENT ON COLUMN alerts.run_date IS 'Run date the alert belongs to.';
COMMENT ON COLUMN alerts.scope IS 'product, category or topic.';
COMMENT ON COLUMN alerts.scope_id IS 'Which product, category or topic.';
COMMENT ON COLUMN alerts.metric IS 'What moved, e.g. negative_share.';
COMMENT ON COLUMN alerts.value IS 'Recent value.';
COMMENT ON COLUMN alerts.baseline IS 'Baseline value.';
COMMENT ON COLUMN alerts.n IS 'Recent volume.';
COMMENT ON COLUMN alerts.statistic IS 'Two-proportion z statistic.';
COMMENT ON COLUMN alerts.severity IS 'low, medium or high.';
COMMENT ON COLUMN alerts.message IS 'One-line explanation for operators.';

CREATE TABLE IF NOT EXISTS topic_candidates (
    candidate_id  INTEGER NOT NULL,
    size          BIGINT NOT NULL,
    terms         VARCHAR[],
    example_ids   VARCHAR[]
);
COMMENT ON TABLE topic_candidates IS 'Clusters of reviews no taxonomy topic covers, one language each, kept only with distinctive terms; candidates for topics.toml.';
COMMENT ON COLUMN topic_candidates.candidate_id IS 'Cluster number.';
COMMENT ON COLUMN topic_candidates.size IS 'Reviews in the cluster.';
COMMENT ON COLUMN topic_candidates.terms IS 'Most distinctive terms (class-based TF-IDF).';
COMMENT ON COLUMN topic_candidates.example_ids IS 'Example review ids: the two reviews nearest the cluster centre.';
