-- Emerging terms, strongest lift first.
SELECT term, language, recent, baseline, lift FROM emerging_terms ORDER BY lift DESC, recent DESC LIMIT 30;
