FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml ./
RUN pip install --upgrade pip && pip install .

COPY . .
RUN python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 10001 suyuan && mkdir -p /app/var && chown -R suyuan /app/var
USER suyuan

EXPOSE 8000
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
