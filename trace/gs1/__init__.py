"""GS1 standards, nothing else: EPC URNs and Digital Link URIs (Tag Data Standard,
GS1 Digital Link) and the CBV 2.0 event hash.

Pure functions over strings and JSON. May import the standard library and
``biip``; never Django, nor any other part of this project (checked by
tests/test_architecture.py), so it can be read, tested and reused on its own.
"""
