"""Workbench pages: annual."""

urlpatterns: list = []
