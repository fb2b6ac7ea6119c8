# Set-up and everyday commands. `make chat` and `make test` work on a fresh machine that
# reaches only the package registries: they create .venv and install everything first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# llama.cpp's default native build crashes on these CPUs (AMX); build for AVX2 instead.
export CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
export ANONYMIZED_TELEMETRY := False

.PHONY: install chat test lint typecheck bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,local,serve]"
	$(BIN)/assistant model prepare
	touch $@

install: $(BIN)/.installed

chat: install
	$(BIN)/assistant ingest --if-empty seeds
	$(BIN)/assistant chat

lint: install
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/ruff format --check assistant
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy assistant

test: install lint typecheck
	$(BIN)/pytest

bench: install
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/answer.py
	$(BIN)/python benchmarks/prompt_speed.py
	$(BIN)/python benchmarks/warm_up.py
	$(BIN)/python benchmarks/tui_startup.py
	$(BIN)/python benchmarks/brief.py
	$(BIN)/python benchmarks/stories.py
	$(BIN)/python benchmarks/serve.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
