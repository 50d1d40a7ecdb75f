# syntax=docker/dockerfile:1
# The commitment monitor daemon. Build: docker build -t commitment-monitor .
# Run:   docker run -p 9464:9464 -v monitor-data:/data commitment-monitor run --demo

# --- build: install the package and its dependencies into a virtualenv ---
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY collectors ./collectors
COPY alerts ./alerts
RUN /opt/venv/bin/pip install .

# --- runtime: the virtualenv, the catalogue and its seeds; no compiler, no source tree ---
FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --home-dir /app --shell /usr/sbin/nologin monitor \
    && mkdir -p /app /data \
    && chown monitor:monitor /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY targets.yaml ./
COPY seeds ./seeds
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MONITOR_TARGETS=/app/targets.yaml \
    MONITOR_LISTEN=0.0.0.0:9464 \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_MAILDIR=/data/mail
VOLUME ["/data"]
USER monitor:monitor
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4).status == 200 else 1)"]
ENTRYPOINT ["monitor"]
CMD ["run"]
