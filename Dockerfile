# syntax=docker/dockerfile:1
# The commitment monitor daemon. Build: docker build -t commitment-monitor .
# Run the demo (the baked catalogue is the demo's; the default command simulates its agencies, whose
# case files and progress reports land under /drops, the working directory):
#   docker run -p 9464:9464 -v monitor-data:/data commitment-monitor
# Run a real catalogue: mount its folder (targets.yaml, targets.d/, seeds/) over /catalogue and run
# without the demo feed; drop folders live under /drops:
#   docker run -p 9464:9464 -v monitor-data:/data -v /srv/catalogue:/catalogue:ro \
#     -v monitor-drops:/drops -e MONITOR_PUBLIC_URL=https://monitor.example.gov.cn commitment-monitor run

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

# --- runtime: the virtualenv, the demo catalogue and its seeds; no compiler, no source tree ---
FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 monitor \
    && useradd --system --uid 10001 --gid monitor --home-dir /app --shell /usr/sbin/nologin monitor \
    && mkdir -p /app /data /drops /catalogue \
    && chown monitor:monitor /data /drops
COPY --from=build /opt/venv /opt/venv
WORKDIR /drops
COPY targets.yaml /catalogue/
COPY seeds /catalogue/seeds
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MONITOR_TARGETS=/catalogue/targets.yaml \
    MONITOR_LISTEN=0.0.0.0:9464 \
    MONITOR_DATABASE_URL=sqlite:////data/monitor.db \
    MONITOR_MAILDIR=/data/mail
VOLUME ["/data", "/drops"]
USER monitor:monitor
EXPOSE 9464
# asks /healthz where MONITOR_LISTEN says the daemon listens (monitor/service/health.py; light: no
# daemon imports): unhealthy when it does not answer 200 or every feed fails
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "monitor.service.health"]
ENTRYPOINT ["monitor"]
CMD ["run", "--demo"]
