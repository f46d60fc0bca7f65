"""WSGI entry point: `gunicorn --config gunicorn.conf.py wsgi:app` (see Procfile)."""

from app import create_app

app = create_app()
