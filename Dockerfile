# surveil: crawl workers, the scheduler and the review app, one image (docs/deploy.md, "Container image").
#   docker build -t surveil:latest .
#   docker run --rm surveil:latest surveil --help
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Debian's Chromium (item pages, JD/PDD request signing, evidence screenshots), CJK fonts for the
# screenshots, pg_dump/pg_restore for `surveil backup` (bookworm's client is PostgreSQL 15: the server
# must not be newer), tini to reap Chromium's children.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        chromium fonts-noto-cjk postgresql-client tini ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# Docker's default seccomp profile refuses the user namespaces Chromium's own sandbox needs, so inside
# the container (non-root, no added capabilities) Chromium runs without it unless CHROMIUM_SANDBOX=on
# is set together with a seccomp profile that allows them.
RUN printf '%s\n' \
    'if [ "${CHROMIUM_SANDBOX:-off}" != on ]; then export CHROMIUM_FLAGS="$CHROMIUM_FLAGS --no-sandbox"; fi' \
    > /etc/chromium.d/surveil-container

RUN groupadd --system --gid 10001 surveil \
    && useradd --system --uid 10001 --gid surveil --home-dir /var/lib/surveil --create-home \
        --shell /usr/sbin/nologin surveil

WORKDIR /opt/surveil
COPY pyproject.toml README.md scrapy.cfg ./
COPY crawler ./crawler
COPY spiders ./spiders
COPY matchers ./matchers
COPY scheduler ./scheduler
RUN pip install . && surveil --help >/dev/null

ENV SURVEIL_DATA_DIR=/var/lib/surveil \
    SURVEIL_BROWSER_EXECUTABLE=/usr/bin/chromium \
    HOME=/var/lib/surveil

USER surveil
VOLUME ["/var/lib/surveil"]
EXPOSE 8000

# The review app answers its sign-in page; compose.yaml gives workers and the scheduler their own checks.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/login', timeout=5).status != 200)"

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["surveil", "serve", "--host", "0.0.0.0", "--port", "8000", "--trust-proxy"]
