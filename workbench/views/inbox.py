"""The inbox (``/workbench/``): what needs this user now."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from ..access import member_page


@member_page
def inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/inbox.html", {})


urlpatterns = [
    path("", inbox, name="inbox"),
]
