"""What runs beside student code: the only files mounted into (or copied to) the sandbox."""

WORKER = "worker.py"  # the script the sandbox runs
# all of it: the worker imports only protocol, kernel (to confine itself), numpy and the stdlib
FILES = (WORKER, "protocol.py", "kernel.py")
