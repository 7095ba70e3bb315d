"""Starting the student's code in a sandbox and policing it from outside.

``isolation`` chooses how, ``uids`` gives each sandbox a user of its own,
``command`` builds the command line, ``process`` runs it and carries its
messages, ``session`` runs a notebook's cells and calls in it within budgets.
"""
