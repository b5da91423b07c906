# The fieldbase worker: runs the jobs the database queues (email, PDF documents, webhooks).
#   docker build -t fieldbase-worker .
#   docker run --env-file worker.env -p 8080:8080 fieldbase-worker           # the jobs
#   docker run --env-file worker.env -p 8081:8081 fieldbase-worker inbound   # /hooks/*, public
# Configuration is environment variables only (FIELDBASE_WORKER_*, see README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Exact versions first, so the dependency layer is cached across code changes.
COPY requirements-runtime.lock ./
RUN pip install --no-deps -r requirements-runtime.lock

COPY pyproject.toml README.md ./
COPY worker ./worker
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin fieldbase

# Non-root; documents go to Supabase Storage in production (FIELDBASE_WORKER_STORAGE_BACKEND).
USER 10001
ENV FIELDBASE_WORKER_HTTP_PORT=8080 \
    FIELDBASE_WORKER_STORAGE_DIR=/tmp/fieldbase-documents
EXPOSE 8080 8081

# The jobs answer on 8080, the inbound endpoints on 8081: whichever this container runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request\nfor port in (8080, 8081):\n    try:\n        sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status != 200)\n    except OSError:\n        pass\nsys.exit(1)"]

# SIGTERM: stop claiming, finish in-flight jobs within the grace period, release the rest.
STOPSIGNAL SIGTERM
ENTRYPOINT ["fieldbase-worker"]
CMD ["run"]
