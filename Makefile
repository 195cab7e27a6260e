# The two commands: `make demo` and `make test`. Everything runs from the project's own .venv.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# reinstalled when the pins or the package's declaration (pyproject.toml) change
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | sha1sum | cut -c1-12)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_SYMBOLS ?= 100
DEMO_DAYS ?= 31
# cluster.py in the demo: exact mode on the windows up to 3 days keeps `make demo` under 5 minutes
DEMO_CLUSTER_WINDOWS ?= 6h,12h,24h,3d

.PHONY: help setup demo demo-spark test lint pytest bench clean

help:
	@echo "make demo   set up, generate synthetic bars into DuckDB, dbt build, run the jobs"
	@echo "make demo-spark  the same demo on Spark in local mode (needs Java 17; installed when root)"
	@echo "make test   set up, lint, and run every test (DuckDB, a real MariaDB and Spark in local mode)"
	@echo "make bench  benchmarks (prints a table)"

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ needed, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) profiles.yml

profiles.yml:
	cp profiles.example.yml profiles.yml

demo: setup
	$(BIN)/python python_jobs/make_demo_data.py --symbols $(DEMO_SYMBOLS) --days $(DEMO_DAYS) --target duckdb
	$(BIN)/dbt build --target duckdb --full-refresh
	$(BIN)/python python_jobs/leaderboards_report.py --target duckdb --out data/reports -q
	for cohort in gainers losers overlaps; do \
		$(BIN)/python python_jobs/cluster.py --cohort $$cohort --target duckdb --out data/reports --plot -q \
			--windows $(DEMO_CLUSTER_WINDOWS) || exit 1; \
	done
	$(BIN)/python python_jobs/plot_indicators.py --target duckdb --interval 1h --days 14 -q \
		--out data/reports/indicators_1h.png --symbol $$($(BIN)/python -c "import duckdb; \
		print(duckdb.connect('data/warehouse.duckdb', read_only=True).execute(\
		'select symbol from habitual_losers order by \"rank\" limit 1').fetchall()[0][0])")
	$(BIN)/python python_jobs/plot_profiles.py --target duckdb --cohort losers --interval 1h -q \
		--out data/reports/profiles_losers_1h.png
	@echo
	@echo "Demo warehouse: $(CURDIR)/data/warehouse.duckdb (DuckDB; tables in schema main)."
	@echo "  bars: main.ohlcvt   sane bars: main.stg_ohlcvt   rejected bars: main.stg_ohlcvt_quarantine"
	@echo "  leaderboards: main.habitual_gainers, habitual_losers, habitual_overlaps, leaderboard_skew,"
	@echo "                leaderboard_windows, leaderboard_bucket_counts, cohort_bars (docs/leaderboards.md)"
	@echo "  daily metrics: main.ohlc_metrics_daily (26 metrics x 8 windows per symbol and date; docs/metrics.md)"
	@echo "  cycle clusters: main.imf_clusters (EMD + clustering per cohort member; docs/clustering.md)"
	@echo "  candles: main.candles_5m, _15m, _1h, _4h, _1d   indicators (TA-Lib exact): main.indicators_15m, _1h,"
	@echo "           _4h, _1d (docs/indicators.md)"
	@echo "  profiles: main.cohort_profiles (each member's features against its own history), main.symbol_regime_daily"
	@echo "            (daily regime per symbol; docs/profiles.md)"
	@echo "Reports: $(CURDIR)/data/reports (leaderboards_summary.json, cohort_profiles.csv, habitual_*.csv,"
	@echo "         imf_clusters_<cohort>.json/.txt/.png: cluster.py (exact) on the windows $(DEMO_CLUSTER_WINDOWS);"
	@echo "         all six windows, exact: .venv/bin/python python_jobs/cluster.py --cohort losers --target duckdb --plot)"
	@echo "         indicators_1h.png: the top loser's 1h candles and indicators (python_jobs/plot_indicators.py)"
	@echo "         profiles_losers_1h.png: the losers' feature percentiles and regimes (python_jobs/plot_profiles.py)"
	@echo "  try:  $(BIN)/python -c \"import duckdb; print(duckdb.connect('data/warehouse.duckdb').sql('select symbol, count(*) from stg_ohlcvt group by 1 order by 1 limit 5'))\""

# The same demo on Spark in local mode, tables under data/spark (SPARK_WAREHOUSE_DIR; docs/scale.md): every
# model and the jobs, each command a JVM of its own.
demo-spark: setup
	bash .ci/ensure-java
	$(BIN)/python python_jobs/make_demo_data.py --symbols $(DEMO_SYMBOLS) --days $(DEMO_DAYS) --target spark
	$(BIN)/dbt build --target spark --full-refresh
	$(BIN)/python python_jobs/leaderboards_report.py --target spark --out data/reports-spark -q
	for cohort in gainers losers overlaps; do \
		$(BIN)/python python_jobs/cluster.py --cohort $$cohort --target spark --out data/reports-spark --plot -q \
			--windows $(DEMO_CLUSTER_WINDOWS) || exit 1; \
	done
	$(BIN)/python python_jobs/plot_indicators.py --target spark --interval 1h --days 14 -q \
		--out data/reports-spark/indicators_1h.png --symbol $$($(BIN)/python -c "from pipeline.warehouse import \
		load_target, read_rows; t = load_target('spark'); print(read_rows(t, 'select symbol from ' \
		+ t.relation('habitual_losers') + ' order by \`rank\` limit 1')[1][0][0])" 2>/dev/null)
	$(BIN)/python python_jobs/plot_profiles.py --target spark --cohort losers --interval 1h -q \
		--out data/reports-spark/profiles_losers_1h.png
	@echo
	@echo "Demo warehouse: Spark tables (parquet) under $${SPARK_WAREHOUSE_DIR:-$(CURDIR)/data/spark}/warehouse, schema"
	@echo "  $${SPARK_SCHEMA:-analytics}: the same relations as make demo's (bars: ohlcvt, partitioned by bar_date)."
	@echo "Reports, cluster results and the profile heatmap: $(CURDIR)/data/reports-spark"

lint: $(STAMP)
	$(BIN)/ruff check python_jobs tests bench lint
	$(BIN)/sqlfluff lint models tests/dbt --processes 2
	$(BIN)/python lint/lint_macros.py

pytest: setup
	bash .ci/ensure-mariadb
	bash .ci/ensure-java
	# three workers on two cores: two left the cores 30% idle (Spark's and MariaDB's round trips), three 8%,
	# and the suite took 21:47 instead of 24:52 (session 15, docs/benchmarks.md). The 15 slowest tests at the end
	# of the output: what to look at when the suite nears its 20-minute budget
	$(BIN)/python -m pytest -n 3 --durations=15

test: lint pytest

bench: setup
	bash .ci/ensure-mariadb
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf target logs dbt_packages .pytest_cache .ruff_cache
