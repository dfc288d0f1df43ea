"""Workbench pages: dashboard."""

urlpatterns: list = []
