"""Quality credit: an enterprise's credit record and class A–D with the reasons and articles
behind them, its disclosure, the enterprise's objections and credit-repair applications and the
regulator's decisions on them, and the quality award's eligibility conditions, written-report
duties and revocation (seeds 001, 002, 003 and 004)."""
