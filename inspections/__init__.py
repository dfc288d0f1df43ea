"""Official spot checks, 双随机、一公开 (Sichuan Quality Promotion Regulation, draft, Art. 27):
a regulator draws enterprises of its jurisdiction and inspectors at random, records each
check's result and publishes it; failed official checks feed the quality credit record
(draft Art. 25).

``draw`` is the selection algorithm (pure, no Django: anyone can re-run it), ``policy`` who may
do what, ``services`` the only writes (a timeline row each, in the same transaction),
``selectors`` the reads others use (``failed_spot_checks`` for the quality record).

May import ``core``, ``api`` and ``trace``. Nothing imports it except ``workbench`` and
``config``.
"""
