-- Emerging terms, strongest rise first, the top 12 of each language.
SELECT term, language, recent, baseline, lift, statistic
FROM emerging_terms
QUALIFY row_number() OVER (PARTITION BY language ORDER BY statistic DESC, recent DESC, term) <= 12
ORDER BY statistic DESC, recent DESC, term;
