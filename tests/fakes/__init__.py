"""Local fake HTTP servers speaking the OpenAI and Replicate wire formats, for tests.

Each fake binds 127.0.0.1 on a free port, runs in a daemon thread, records every
request it received and answers from a script of queued replies (or a sensible
default). Import from the submodules (``tests.fakes.openai_server``, ``tests.fakes.replicate_server``)
and use them as context managers::

    with FakeOpenAI() as oa, FakeReplicate() as rep:
        monkeypatch.setenv("OPENAI_BASE_URL", oa.base_url)
        ...
"""
