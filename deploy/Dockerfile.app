# The app (FastAPI: channels, chat contract, action endpoint, index, tickets, consoles).
# Cannot be built on the development machine (no registry for base images there); keep it
# in step with the Makefile: same install order, same build commands, same variables.
#
#   docker build -f deploy/Dockerfile.app -t dianxiaoer-app .
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
WORKDIR /app
# torch first and pinned to the CPU wheel (never an unpinned CUDA build), as in the Makefile
RUN python -m venv /app/.venv \
 && /app/.venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY knowledge knowledge
COPY retrieval retrieval
COPY hotline hotline
COPY assistant assistant
COPY api api
COPY bot bot
COPY config.yml ./
RUN /app/.venv/bin/pip install .
# the same build steps as `make setup`: converted model, ONNX export, index, NLU data
RUN /app/.venv/bin/python -m api.manage build-model \
 && /app/.venv/bin/python -m api.manage build-onnx \
 && /app/.venv/bin/python -m api.manage build-index \
 && /app/.venv/bin/python bot/generate_nlu.py  # district NLU data for the Rasa image

FROM python:3.11-slim-bookworm
ENV PATH=/app/.venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false DXE_HOST=0.0.0.0 DXE_PORT=8000 DXE_LOG_FORMAT=json
WORKDIR /app
COPY --from=build /app /app
# Rasa's image convention: an unprivileged user 1001 owning only what it writes (var/)
RUN useradd --uid 1001 --no-create-home --shell /usr/sbin/nologin dxe \
 && chown -R 1001 /app/var
USER 1001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD python -c "import httpx,sys; sys.exit(httpx.get('http://127.0.0.1:8000/api/health').status_code != 200)"
# migrations run at start (hotline/db.py init_schema); one process per container
CMD ["python", "-m", "api.manage", "serve"]
