# The Groundwork API image. Built and run by compose.yaml; see README.md.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
COPY migrations ./migrations
RUN pip install . \
 && rm -rf /src/build \
 && useradd --create-home --uid 10001 groundwork

USER groundwork
WORKDIR /home/groundwork
ENV GROUNDWORK_BACKEND=postgres \
    GROUNDWORK_HOME=/home/groundwork/.groundwork \
    HOST=0.0.0.0 \
    PORT=8000 \
    LOG_FORMAT=json

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=10 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]

# Applies pending migrations as DATABASE_URL's user, then serves with gunicorn.
CMD ["groundwork", "serve", "--host", "0.0.0.0", "--port", "8000"]
