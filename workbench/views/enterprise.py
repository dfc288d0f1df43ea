"""Workbench pages: enterprise."""

urlpatterns: list = []
