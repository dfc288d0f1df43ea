FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Pango and a CJK font: WeasyPrint's PDF of the annual report, in Chinese (workbench/pdf.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them: the exact versions and hashes of
# requirements.lock (make lock), then the project's metadata without re-resolving anything.
COPY requirements.lock pyproject.toml ./
RUN pip install --require-hashes -r requirements.lock \
    && pip install --no-deps .

COPY . .
# collectstatic needs settings, not secrets: a throw-away key for this one build step.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 10001 suyuan && mkdir -p /app/var && chown -R suyuan /app/var
USER suyuan

EXPOSE 8000
# The healthchecks are in docker-compose.yml (web: GET /healthz; worker: celery ping).
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
