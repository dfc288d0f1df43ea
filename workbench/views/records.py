"""Workbench pages: records."""

urlpatterns: list = []
