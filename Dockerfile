# incident-bot: `docker build -t incident-bot .` then run with the environment described in README.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY bot ./bot
COPY migrations ./migrations
# The build copies playbooks/ into the package as its defaults (bot/default_playbooks).
COPY playbooks ./playbooks
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# Without PLAYBOOKS_DIR the shipped playbooks are used; mount your own and set PLAYBOOKS_DIR to change them.
ENV PYTHONUNBUFFERED=1
RUN useradd --create-home --uid 10001 incident
COPY --from=build /install /usr/local
WORKDIR /app
USER incident
EXPOSE 3000 8080
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz').status != 200)"
CMD ["incident-bot", "serve", "--host", "0.0.0.0", "--port", "3000"]
