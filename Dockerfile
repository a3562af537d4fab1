# incident-bot: `docker build -t incident-bot .` then run with the environment described in README.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY migrations ./migrations
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PLAYBOOKS_DIR=/app/playbooks
RUN useradd --create-home --uid 10001 incident
COPY --from=build /install /usr/local
WORKDIR /app
COPY playbooks ./playbooks
USER incident
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz').status != 200)"
CMD ["incident-bot", "serve", "--host", "0.0.0.0", "--port", "3000"]
