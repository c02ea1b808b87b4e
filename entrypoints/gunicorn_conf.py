"""Gunicorn's settings in production, a gunicorn config file: `groundwork serve` reads it and sets
bind, workers and reload from its own options; plain gunicorn takes it with
`gunicorn -c python:entrypoints.gunicorn_conf 'entrypoints.http.app:create_app()'`."""

worker_class = "gthread"
threads = 4
timeout = 30  # a worker that answers nothing for this long is killed and replaced
graceful_timeout = 10  # on SIGTERM, what requests under way have to finish
keepalive = 5
accesslog = None  # each request is logged by the app, structured (request id, org, duration)
control_socket_disable = True  # no socket in $HOME, none shared between instances
