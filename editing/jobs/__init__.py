"""Edits as durable jobs on PostgreSQL (Procrastinate): queue entry points, workers, leases, recovery.

* ``queue``    submit an edit (its row and its job in one transaction), follow it, the seed's
               ``enqueue_job``
* ``tasks``    the task workers run: the seed's ``edit_scene_job``
* ``worker``   Procrastinate workers, in their own processes or as threads of the app
* ``lease``    advisory-lock leases that die with the process running an edit
* ``sweeper``  closes (or resumes) edits whose process died
* ``progress`` progress written to the edit's row as it happens
"""
