"""The shared domain core: the bottom layer of the project's apps.

What every app shares about the domain lives here. For now that is the rulebook
(``core.rulebook``): every grade threshold, deadline and citation the workflows use, each
keyed, with its value and unit, the instrument and article it comes from, how sure we are of
its text, and the dates it is in force, so a case is judged by the rules of its own date.

May import the standard library and Django only — no other app of the project (``api``,
``trace``, ``incidents``, ``recalls``, ``workbench``, ``config``); every one of them may
import it (``tests/test_architecture.py``).
"""
