# One slim image for every role: docker compose runs it as web, worker (scale it) and scheduler.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY summaries ./summaries
COPY channels ./channels
COPY bot ./bot
RUN python -m venv /opt/aitoday && /opt/aitoday/bin/pip install --quiet .

FROM python:3.11-slim
ENV PATH=/opt/aitoday/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    AITODAY_DATA_DIR=/data
RUN groupadd --system --gid 10001 aitoday \
    && useradd --system --uid 10001 --gid aitoday --home-dir /data --shell /usr/sbin/nologin aitoday \
    && mkdir -p /data && chown aitoday:aitoday /data
COPY --from=build /opt/aitoday /opt/aitoday
USER aitoday:aitoday
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["aitoday"]
CMD ["run", "--host", "0.0.0.0", "--port", "8000"]
