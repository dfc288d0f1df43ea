from django.urls import path

from . import pages

app_name = "credit-pages"

urlpatterns = [
    path("credit/<int:organization_id>/", pages.public_credit_page, name="public-credit-page"),
]
