# kith: the dashboard and the command line, for docker-compose.yml (or alone).
#   docker build -t kith .
#   docker run -p 127.0.0.1:8050:8050 kith kith demo --size small
# (publish on 127.0.0.1: the dashboard is for this machine unless a TLS proxy is put in front of it)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY ingest ./ingest
COPY queries ./queries
COPY dashboard ./dashboard
COPY kith ./kith
# The "speed" extra is the Neo4j driver's Rust extension.
RUN pip install ".[speed]" && rm -rf /src

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin kith \
    && mkdir -p /data && chown kith:kith /data
USER kith
WORKDIR /home/kith

# KITH_HOME: the embedded store, quarantine files and logs; KITH_HOST: listen on every interface
# inside the container (the port is published by docker, not opened to the world by kith).
ENV KITH_HOME=/data \
    KITH_HOST=0.0.0.0 \
    KITH_PORT=8050
VOLUME ["/data"]
EXPOSE 8050

CMD ["kith", "serve"]
