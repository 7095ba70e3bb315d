"""What runs beside student code: the only files mounted into (or copied to) the sandbox."""

WORKER = "worker.py"  # the script the sandbox runs
FILES = (WORKER, "protocol.py")  # all of it: the worker imports only protocol, numpy and the stdlib
