"""WSGI entry point: `gunicorn app:app`, `flask --app app run`."""
from pm import create_app
from pm.tasks.scheduler import maybe_start_embedded

app = create_app()
# Only `make run` (PM_EMBED_SCHEDULER=1, `flask run --no-reload`) embeds the scheduler; gunicorn
# workers and other flask commands never do — production runs one `flask pm scheduler` process.
maybe_start_embedded(app)
