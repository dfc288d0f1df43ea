"""The demo seed (``manage.py seed_demo``, what ``make run`` shows) and the supply-chain
data generator (``manage.py gen_supply_chain``, used by the benchmarks).

May import anything below it (``trace.core``, ``trace.models``, ``api``); nothing imports it
but management commands, benchmarks and tests.
"""
