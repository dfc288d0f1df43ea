"""Workbench pages: quality."""

urlpatterns: list = []
